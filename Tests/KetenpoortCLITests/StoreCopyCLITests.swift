import Foundation
import KetenpoortStore
import XCTest

/// `ketenpoort store copy` moves a single-node SQLite store to PostgreSQL, and every operator command then works on it
/// through `--config`.
final class StoreCopyCLITests: XCTestCase {
    /// A SQLite state directory with three messages: one delivered, one held, one waiting, and a signed tree head.
    private func makeSourceStore() async throws -> (directory: String, ids: [String]) {
        let directory = NSTemporaryDirectory() + "kp-copy-source-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore.open(stateDirectory: directory)
        var ids: [String] = []
        for example in ["zorgmelding-spoed-amsterdam.xml", "zorgmelding-rotterdam-kind.xml", "slachtofferverwijzing-utrecht.xml"] {
            ids.append(try await PipelineFixture.accept(example, into: store).id)
        }
        let waiting = try await store.listDeliveries(DeliveryFilter(state: .queued), after: nil, limit: 10)
        XCTAssertEqual(waiting.count, 3)
        _ = try await store.hold(waiting[1].id, by: OperatorAction(name: "j.jansen", reason: "partner asked"), now: Date())
        let leased = try await store.lease(owner: "old-node", freeSlots: [waiting[0].partner: 1], leaseDuration: 60, now: Date())
        let first = try XCTUnwrap(leased.first)
        _ = try await store.deliver(first.delivery.id, owner: "old-node", token: first.token, receipt: Data("receipt".utf8), now: Date())
        let pki = try PipelineFixture.pki.get()
        _ = try await store.checkpoint(signer: try SoftwareCheckpointSigner(pemFile: pki.path("gateway-sign-key.pem")), now: Date())
        try store.close()
        return (directory, ids)
    }

    func testCopyMovesEverythingAndOperatorCommandsWorkOnPostgres() async throws {
        let source = try await makeSourceStore()
        let target = try PostgresGatewayConfig.make(for: self)
        let copy = try await CLIRunner.run(["store", "copy", "--from", source.directory, "--to", target.file])
        assertExit(copy, 0)
        XCTAssertTrue(copy.stdout.contains("3 messages"), copy.stdout)
        let heads = copy.stdout.split(separator: "\n").filter { $0.hasPrefix("audit chain ") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map(String.init) ?? "" }
        XCTAssertEqual(heads.count, 2, copy.stdout)
        XCTAssertEqual(Set(heads).count, 1, "source and target differ: \(copy.stdout)")
        XCTAssertTrue(heads.first?.contains("intact") ?? false, copy.stdout)

        let verify = try await CLIRunner.run(["audit", "verify", "--config", target.file])
        assertExit(verify, 0)
        let status = try await CLIRunner.run(["queue", "status", "--config", target.file])
        assertExit(status, 0)
        XCTAssertTrue(status.stdout.contains("held"), status.stdout)
        let trail = try await CLIRunner.run(["trail", source.ids[0], "--config", target.file])
        assertExit(trail, 0)
        XCTAssertTrue(trail.stdout.contains("message.accepted"), trail.stdout)
        let show = try await CLIRunner.run(["queue", "show", source.ids[1], "--config", target.file])
        assertExit(show, 0)
        // The signed tree head came along: proofs are made from PostgreSQL's records.
        let proof = try await CLIRunner.run(["trail", source.ids[0], "--proof", "--config", target.file])
        assertExit(proof, 0)
        let inclusion = try await CLIRunner.run(["audit", "prove", "--inclusion", "2", "--size", "9", "--config", target.file])
        assertExit(inclusion, 0)
        let consistency = try await CLIRunner.run(["audit", "prove", "--consistency", "3", "9", "--config", target.file])
        assertExit(consistency, 0)

        // The target now holds a store: a second copy is refused and changes nothing.
        let again = try await CLIRunner.run(["store", "copy", "--from", source.directory, "--to", target.file])
        assertExit(again, 2)
        XCTAssertTrue(again.stderr.contains("not empty"), again.stderr)
    }

    func testOperatorCommandsRefuseADatabaseThatWasNeverMigrated() async throws {
        let target = try PostgresGatewayConfig.make(for: self)
        let status = try await CLIRunner.run(["queue", "status", "--config", target.file])
        assertExit(status, 2)
        XCTAssertTrue(status.stderr.contains("not an initialised ketenpoort store"), status.stderr)
        let migrate = try await CLIRunner.run(["store", "migrate", "--config", target.file])
        assertExit(migrate, 0)
        let after = try await CLIRunner.run(["queue", "status", "--config", target.file])
        assertExit(after, 0)
    }

    func testRotatingTheKeyEncryptionKeyKeepsPayloadsReadable() async throws {
        let source = try await makeSourceStore()
        let target = try PostgresGatewayConfig.make(for: self)
        assertExit(try await CLIRunner.run(["store", "copy", "--from", source.directory, "--to", target.file]), 0)
        let newKEK = target.secrets + "/kek-2027"
        let rotate = try await CLIRunner.run(["store", "rotate-kek", "--config", target.file, "--new-kek-file", newKEK, "--new-data-key"])
        assertExit(rotate, 0)
        // The old KEK no longer unwraps the data keys; the new one does.
        let payload = try await CLIRunner.run(["queue", "show", source.ids[2], "--config", target.file, "--payload", "--reason", "copy check"])
        XCTAssertNotEqual(payload.status, 0, payload.stdout)
        try FileManager.default.removeItem(atPath: target.secrets + "/ketenpoort-kek")
        try FileManager.default.copyItem(atPath: newKEK, toPath: target.secrets + "/ketenpoort-kek")
        let readable = try await CLIRunner.run(["queue", "show", source.ids[2], "--config", target.file, "--payload", "--reason", "copy check"])
        assertExit(readable, 0)
        XCTAssertTrue(readable.stdout.contains("Slachtofferverwijzing") || readable.stdout.contains("<"), readable.stdout)
    }
}
