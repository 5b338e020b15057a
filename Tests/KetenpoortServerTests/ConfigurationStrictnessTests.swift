import Foundation
import KetenpoortCore
import KetenpoortServer
import XCTest

/// Unknown or misspelt keys and YAML syntax errors in the gateway, partner endpoint and witness configurations.
final class ConfigurationStrictnessTests: XCTestCase {
    private let examples = ResourceLocation.schemaDirectory().deletingLastPathComponent().appendingPathComponent("Examples/config")

    private func example(_ name: String) throws -> String {
        try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
    }

    private func write(_ yaml: String, name: String) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("\(UUID().uuidString)-\(name)")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testEveryExampleConfigurationLoads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3)
        for name in names {
            let path = examples.appendingPathComponent(name).path
            do {
                if name.hasPrefix("partner") {
                    _ = try PartnerEndpointConfiguration.load(file: path)
                } else if name.hasPrefix("witness") {
                    _ = try WitnessConfiguration.load(file: path)
                } else {
                    _ = try ConfigurationLoader.load(file: path)
                }
            } catch {
                XCTFail("\(name) does not load: \(error)")
            }
        }
    }

    func testMisspeltGatewayKeyIsNamedWithTheKeyItResembles() throws {
        let yaml = try example("gateway.yaml").replacingOccurrences(of: "concurrency: 4", with: "concurency: 4")
        XCTAssertTrue(yaml.contains("concurency: 4"))
        XCTAssertThrowsError(try ConfigurationLoader.decode(yaml, baseDirectory: examples)) { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            XCTAssertEqual(problems.count, 1, "\(error)")
            XCTAssertEqual(problems.first?.key, "partners[0].concurency")
            XCTAssertEqual(problems.first?.problem, "unknown key (did you mean concurrency?)")
        }
    }

    func testUnknownTopLevelGatewayKeyWithoutLookalikeIsNamed() throws {
        let yaml = try example("gateway.yaml") + "\nfavouriteColour: blue\n"
        XCTAssertThrowsError(try ConfigurationLoader.decode(yaml, baseDirectory: examples)) { error in
            let problems = (error as? ConfigurationError)?.problems ?? []
            XCTAssertEqual(problems.map(\.description), ["favouriteColour: unknown key"])
        }
    }

    func testMisspeltIntakeKeyIsNamed() throws {
        let yaml = try example("gateway.yaml").replacingOccurrences(of: "  maxMessageBytes: 1048576", with: "  maxMessageByte: 1048576")
        XCTAssertThrowsError(try ConfigurationLoader.decode(yaml, baseDirectory: examples)) { error in
            XCTAssertEqual((error as? ConfigurationError)?.problems.map(\.description),
                           ["intake.maxMessageByte: unknown key (did you mean maxMessageBytes?)"])
        }
    }

    func testMisspeltPartnerEndpointKeyIsNamed() throws {
        let yaml = try example("partner-shn.yaml").replacingOccurrences(of: "# maxMessageBytes: 1048576", with: "maxMessageByte: 1048576")
        XCTAssertTrue(yaml.contains("\nmaxMessageByte: 1048576"))
        let path = try write(yaml, name: "partner.yaml")
        XCTAssertThrowsError(try PartnerEndpointConfiguration.load(file: path)) { error in
            XCTAssertEqual(error as? PartnerConfigurationError,
                           PartnerConfigurationError(file: path, key: "maxMessageByte", problem: "unknown key (did you mean maxMessageBytes?)"))
        }
    }

    func testMisspeltWitnessKeyIsNamed() throws {
        let yaml = try example("witness.yaml") + "\nlimts:\n  maxConnections: 10\n"
        let path = try write(yaml, name: "witness.yaml")
        XCTAssertThrowsError(try WitnessConfiguration.load(file: path)) { error in
            XCTAssertTrue("\(error)".contains("limts: unknown key (did you mean limits?)"), "\(error)")
        }
    }

    func testGatewaySyntaxErrorGivesLineAndColumn() throws {
        let yaml = "gateway:\n  oin: \"1\"\nintake: [unclosed\nsigning: {}\n"
        XCTAssertThrowsError(try ConfigurationLoader.decode(yaml, baseDirectory: examples)) { error in
            let problem = (error as? ConfigurationError)?.problems.first
            XCTAssertEqual(problem?.key, "(syntax)")
            XCTAssertTrue(problem?.problem.hasPrefix("not valid YAML at line 4, column") ?? false, "\(error)")
        }
    }

    func testPartnerAndWitnessSyntaxErrorsGiveLineAndColumn() throws {
        let broken = "partner: shn\nlisten:\n  host: \"127.0.0.1\n"
        let partner = try write(broken, name: "partner.yaml")
        XCTAssertThrowsError(try PartnerEndpointConfiguration.load(file: partner)) { error in
            XCTAssertTrue("\(error)".contains("line 4, column 1"), "\(error)")
        }
        let witness = try write(broken, name: "witness.yaml")
        XCTAssertThrowsError(try WitnessConfiguration.load(file: witness)) { error in
            XCTAssertTrue("\(error)".contains("line 4, column 1"), "\(error)")
        }
    }

    private func stateDirectoryProblems(_ stateDirectory: String) throws -> [String] {
        var configuration = try ConfigurationLoader.load(file: examples.appendingPathComponent("gateway.yaml").path)
        configuration.stateDirectory = stateDirectory
        return ConfigurationCheck(configuration).problems.filter { $0.key == "stateDirectory" }.map(\.problem)
    }

    func testStateDirectoryUnderAFileCannotBeCreated() throws {
        let file = try write("not a directory", name: "plain-file")
        let problems = try stateDirectoryProblems(file + "/state/store")
        XCTAssertEqual(problems, ["\(file)/state/store cannot be created: \(file) is not a directory"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + "/state"))
    }

    func testStateDirectoryThatIsAFileIsReported() throws {
        let file = try write("not a directory", name: "plain-file")
        XCTAssertEqual(try stateDirectoryProblems(file), ["\(file) exists but is not a directory"])
    }

    func testAbsentStateDirectoryUnderWritableParentIsFineAndNotCreated() throws {
        let parent = (NSTemporaryDirectory() as NSString).appendingPathComponent("state-parent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: parent) }
        XCTAssertEqual(try stateDirectoryProblems(parent + "/a/b"), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: parent + "/a"))
    }

    func testStateDirectoryOnReadOnlyFileSystemIsReported() throws {
        // /proc/self is not writable even by root; a state directory below it cannot be created.
        let problems = try stateDirectoryProblems("/proc/self/ketenpoort-state")
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems.first?.contains("cannot be created: /proc/self is not writable") ?? false, "\(problems)")
    }
}
