import Foundation
import XCTest

/// `scripts/package` builds a Debian package that works where it is unpacked: the binary finds the schemas of the
/// package, not those of the source tree it was built from.
final class PackageTests: XCTestCase {
    private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testUnpackedPackageValidatesWithItsOwnSchemas() throws {
        let work = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-package-\(UUID().uuidString.prefix(8))")
        let output = work.appendingPathComponent("out")
        let root = work.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // Packaged from the debug binary the tests use (a release build is far too slow for a test).
        let binary = try CLIRunner.executable()
        let built = try run("/bin/bash", [repository.appendingPathComponent("scripts/package").path,
                                          "--binary", binary.path, "--output", output.path, "--version", "1.2.3",
                                          "--compression", "none"])
        XCTAssertEqual(built.status, 0, built.output)
        let packages = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".deb") }
        XCTAssertEqual(packages.count, 1, "\(packages)")
        let package = output.appendingPathComponent(try XCTUnwrap(packages.first))
        XCTAssertTrue(package.lastPathComponent.hasPrefix("ketenpoort_1.2.3_"), package.lastPathComponent)

        let info = try run("/usr/bin/dpkg-deb", ["--info", package.path])
        XCTAssertTrue(info.output.contains("Package: ketenpoort"), info.output)
        XCTAssertTrue(info.output.contains("libxmlsec1-openssl"), "Depends names the libraries: \(info.output)")
        let control = work.appendingPathComponent("control")
        XCTAssertEqual(try run("/usr/bin/dpkg-deb", ["--control", package.path, control.path]).status, 0)
        let postinst = try String(contentsOf: control.appendingPathComponent("postinst"), encoding: .utf8)
        XCTAssertTrue(postinst.contains("adduser --system"), postinst)
        XCTAssertTrue(postinst.contains("-o ketenpoort -g ketenpoort -m 0700 /var/lib/ketenpoort"), postinst)

        // Installed in a fresh root: the files where the system expects them.
        let unpacked = try run("/usr/bin/dpkg", ["-x", package.path, root.path])
        XCTAssertEqual(unpacked.status, 0, unpacked.output)
        let installed = root.appendingPathComponent("usr/bin/ketenpoort")
        let schema = root.appendingPathComponent("usr/share/ketenpoort/Schemas/Zorgmelding.xsd")
        for file in [installed, schema, root.appendingPathComponent("lib/systemd/system/ketenpoort.service")] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), file.path)
        }
        let example = try String(contentsOf: root.appendingPathComponent("etc/ketenpoort/gateway.yaml.example"), encoding: .utf8)
        XCTAssertTrue(example.contains("stateDirectory: /var/lib/ketenpoort"), example)
        XCTAssertFalse(example.contains("../"), "the installed example has no paths relative to the repository")

        // `validate` from the unpacked root, run outside the repository, with no schema path given.
        let message = root.appendingPathComponent("usr/share/ketenpoort/Examples/valid/zorgmelding-rotterdam-kind.xml")
        let valid = try run(installed.path, ["validate", message.path], directory: work)
        XCTAssertEqual(valid.status, 0, valid.output)
        XCTAssertTrue(valid.output.contains("valid Zorgmelding"), valid.output)

        // The schema it used is the package's: break that one and validation fails, although the repository's
        // Schemas/ (which a debug binary could still fall back on) is intact.
        try Data("<not-a-schema/>".utf8).write(to: schema)
        let broken = try run(installed.path, ["validate", message.path], directory: work)
        XCTAssertNotEqual(broken.status, 0, "validate must read the unpacked schemas, not the repository's: \(broken.output)")
    }

    /// Runs a program to completion; returns its exit status and its stdout and stderr together.
    private func run(_ program: String, _ arguments: [String], directory: URL? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var environment = ProcessInfo.processInfo.environment
        environment["KETENPOORT_SCHEMAS"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
