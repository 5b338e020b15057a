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

    func testEveryLeafCommandsHelpHasAnExample() async throws {
        let root = try await CLIRunner.run(["--help"])
        assertExit(root, 0)
        var leaves: [[String]] = []
        for top in subcommands(root.stdout) {
            let help = try await CLIRunner.run([top, "--help"])
            let subs = subcommands(help.stdout)
            leaves += subs.isEmpty ? [[top]] : subs.map { [top, $0] }
        }
        XCTAssertGreaterThan(leaves.count, 30, "found only \(leaves)")
        var missing: [String] = []
        for command in leaves {
            let help = try await CLIRunner.run(command + ["--help"])
            if help.status != 0 || !help.stdout.contains("Example") { missing.append(command.joined(separator: " ")) }
        }
        XCTAssertEqual(missing, [], "commands whose --help shows no example")
    }
}
