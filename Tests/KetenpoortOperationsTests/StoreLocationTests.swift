import Foundation
import KetenpoortOperations
import KetenpoortStore
import XCTest

/// Opening the store an operator command names: exactly one of a state directory and a configuration, never created.
final class StoreLocationTests: XCTestCase {
    private func usage(_ location: StoreLocation, payloadKeys: Bool = false) async -> String? {
        do {
            let store = try await location.open(payloadKeys: payloadKeys)
            try store.close()
            return nil
        } catch let failure as OperatorFailure {
            XCTAssertEqual(failure.exitCode, OperatorExit.usage, failure.description)
            return failure.description
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testNeitherOrBothOptionsAreUsageErrors() async {
        let neither = await usage(StoreLocation(stateDirectory: nil, configFile: nil))
        XCTAssertEqual(neither, "give --state-dir DIR or --config FILE to name the store")
        let both = await usage(StoreLocation(stateDirectory: "/tmp", configFile: "/tmp/gateway.yaml"))
        XCTAssertEqual(both, "give only one of --state-dir and --config")
    }

    func testAMissingStoreIsNotCreated() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-no-store-\(UUID().uuidString)").path
        let missing = await usage(StoreLocation(stateDirectory: directory, configFile: nil))
        XCTAssertNotNil(missing)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/ketenpoort.sqlite"), "an operator command never creates a store")
        let unreadable = await usage(StoreLocation(stateDirectory: directory, configFile: nil), payloadKeys: true)
        XCTAssertEqual(unreadable, "no payload keys at \(directory)/keys; the payload cannot be read")
    }

    func testAnUnreadableConfigurationSaysWhichFile() async {
        let text = await usage(StoreLocation(stateDirectory: nil, configFile: "/nonexistent/gateway.yaml"))
        XCTAssertTrue(text?.hasPrefix("cannot read the configuration /nonexistent/gateway.yaml") ?? false, text ?? "no error")
    }
}
