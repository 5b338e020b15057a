import Crypto
import Foundation
import KetenpoortStore
import XCTest

/// A fresh temporary state directory, removed when the test ends.
func makeStateDirectory(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "kp-store-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// A fixed clock start for tests.
let testEpoch = Date(timeIntervalSince1970: 1_800_000_000)

/// An incoming message whose payload is derived from its id, so its content can be checked after reopening.
func makeMessage(
    id: String, sender: String = "00000099000000000001", urgent: Bool = false, payload: Data? = nil,
    received: Date = testEpoch, retention: TimeInterval = 86_400
) -> IncomingMessage {
    let body = payload ?? Data("<Zorgmelding id=\"\(id)\">payload of \(id)</Zorgmelding>".utf8)
    return IncomingMessage(
        id: id, kind: "Zorgmelding", senderOIN: sender, digest: Data(SHA256.hash(data: body)),
        receivedAt: received, signedAt: received, urgent: urgent, payload: body,
        retentionDeadline: received.addingTimeInterval(retention))
}

/// An operator action for tests.
let anOperator = OperatorAction(name: "j.jansen", reason: "partner maintenance window")

/// Asserts that `body` throws a ``StoreError`` matching `check`.
func assertStoreError<T>(
    _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line,
    _ check: (StoreError) -> Bool
) async {
    do {
        _ = try await body()
        XCTFail("expected a store error, got success", file: file, line: line)
    } catch let error as StoreError {
        XCTAssertTrue(check(error), "unexpected store error: \(error)", file: file, line: line)
    } catch {
        XCTFail("expected a store error, got \(error)", file: file, line: line)
    }
}
