import Foundation
import Hummingbird
import KetenpoortServer
import Logging
import XCTest

final class TLSPeerIdentityTests: XCTestCase {
    func testHandlersSeeTheVerifiedClientCertificate() async throws {
        let router = Router(context: PeerRequestContext.self)
        router.post("/whoami") { _, context -> String in
            guard let peer = context.peer else { return "none" }
            return "\(peer.authenticatedOIN ?? "unauthenticated") \(peer.hasClientAuthUsage) \(peer.subject.contains("serialNumber") || peer.oin != nil)"
        }
        let bound = BoundPort()
        let application = try makeMutualTLSServer(
            router: router, host: "127.0.0.1", port: 0, tls: try PartnerTestPKI.tlsFiles("shn"),
            logger: CapturedLogs().logger(), onServerRunning: { port in await bound.resolve(port) })
        let task = Task { try await application.run() }
        defer { task.cancel() }
        let port = try await bound.wait()
        let answer = try await MutualTLSPost.post(
            Data(), to: "https://127.0.0.1:\(port)/whoami", tls: try PartnerTestPKI.tlsFiles("politie-rotterdam"),
            contentType: "text/plain")
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), "00000099000000000001 true true")
        task.cancel()
        _ = await task.result
    }
}
