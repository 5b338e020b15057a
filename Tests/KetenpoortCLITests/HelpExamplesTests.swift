import Foundation
import XCTest

/// Every command a user can run shows an example in its `--help`.
final class HelpExamplesTests: XCTestCase {
    /// The subcommand names a `--help` text lists.
    private func subcommands(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:") else { return [] }
        return help[start.upperBound...].split(separator: "\n").compactMap { line in
            // "  name   what it does"; the closing "  See 'ketenpoort help …'" line is not a command.
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLowercase else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
    }

    /// Example lines (`  ketenpoort …`, `  .build/release/ketenpoort-bench …` and their `\\` continuations) that the help printer wrapped: a line that does not
    /// end in `\\` must be followed by an empty line or another example.
    private func wrappedExampleLines(_ help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var broken: [String] = []
        var inExample = false
        // Only the discussion above USAGE holds examples; an example is a line indented by two that runs a command.
        let usage = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.count
        for (index, line) in lines.prefix(usage).enumerated() {
            if line.hasPrefix("  "), !line.hasPrefix("   "), line.contains("ketenpoort") { inExample = true }
            guard inExample else { continue }
            if line.hasSuffix("\\") { continue }
            inExample = false
            let next = index + 1 < lines.count ? lines[index + 1] : ""
            // A wrapped example goes on at column 0; a complete one is followed by a blank line or the next example.
            if !(next.isEmpty || next.hasPrefix("  ")) { broken.append(line) }
        }
        return broken
    }

    /// The leaf commands of `program`, each as its argument path.
    private func leaves(of program: String) async throws -> [[String]] {
        let root = try await CLIRunner.run(["--help"], program: program)
        assertExit(root, 0)
        var leaves: [[String]] = []
        for top in subcommands(root.stdout) {
            let help = try await CLIRunner.run([top, "--help"], program: program)
            let subs = subcommands(help.stdout)
            leaves += subs.isEmpty ? [[top]] : subs.map { [top, $0] }
        }
        return leaves
    }

    /// Prose lines that 80 columns broke into a long line and a short rest: the source's own line breaks showing.
    private func raggedProseLines(_ help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let usage = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.count
        var ragged: [String] = []
        for index in 1..<max(1, usage) where index + 1 < usage {
            let (line, next) = (lines[index], lines[index + 1])
            // A short prose line between two prose lines, the one before it full: a hard break inside a paragraph.
            let prose = { (text: String) in !text.isEmpty && !text.hasPrefix(" ") }
            if prose(lines[index - 1]), prose(line), prose(next), lines[index - 1].count >= 60, line.count < 40, !line.hasSuffix(":") {
                ragged.append(line)
            }
        }
        return ragged
    }

    func testEveryLeafCommandsHelpHasAnExample() async throws {
        let operatorLeaves = try await leaves(of: "ketenpoort")
        let benchLeaves = try await leaves(of: "ketenpoort-bench")
        XCTAssertGreaterThan(operatorLeaves.count, 25, "found only \(operatorLeaves)")
        XCTAssertEqual(benchLeaves.map { $0.joined(separator: " ") }.sorted(), ["chaos", "e2e", "intake", "latency", "queue", "xml"])
        var missing: [String] = []
        var broken: [String] = []
        var ragged: [String] = []
        for (program, command) in operatorLeaves.map({ ("ketenpoort", $0) }) + benchLeaves.map({ ("ketenpoort-bench", $0) }) {
            let help = try await CLIRunner.run(command + ["--help"], program: program)
            if help.status != 0 || !help.stdout.contains("Example") { missing.append(([program] + command).joined(separator: " ")) }
            broken += wrappedExampleLines(help.stdout)
            ragged += raggedProseLines(help.stdout).map { "\(([program] + command).joined(separator: " ")): \($0)" }
        }
        XCTAssertEqual(ragged, [], "prose that the source wraps by hand and 80 columns wrap again (use HelpText.flowing)")
        XCTAssertEqual(missing, [], "commands whose --help shows no example")
        XCTAssertEqual(broken, [], "example lines that 80 columns break mid-argument (use ` \\` continuation lines)")
    }
}
