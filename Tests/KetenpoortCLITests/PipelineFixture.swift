import Crypto
import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortStore
import KetenpoortXML

/// The real admission pipeline (validate, authorise, route, sign) over the repository's schemas and examples.
enum PipelineFixture {
    /// The repository root.
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Partners with a delivery route in these tests.
    static let partners: Set<String> = ["shn", "vt-amsterdam-amstelland", "vt-rotterdam-rijnmond", "vt-haaglanden", "vt-utrecht"]

    /// A development PKI made once per test run (RSA key generation is slow in debug builds).
    static let pki: Result<DevelopmentPKI, any Error> = Result {
        let directory = NSTemporaryDirectory() + "kp-cli-pki-" + UUID().uuidString
        return try DevelopmentPKI.create(in: directory)
    }

    /// The pipeline, built once.
    static let pipeline: Result<AdmissionPipeline, any Error> = Result {
        let devPKI = try Self.pki.get()
        let registry = try MessageKindRegistry(schemaDirectory: repository.appendingPathComponent("Schemas"))
        let table = try MunicipalityRegions(contentsOf: repository.appendingPathComponent("Examples/routing/gemeenten-veiligthuis.csv"))
        let signer = try XMLSigner(keyFile: URL(fileURLWithPath: devPKI.path("gateway-sign-key.pem")),
                                   certificateFile: URL(fileURLWithPath: devPKI.path("gateway-sign.pem")))
        let both: Set<String> = ["Zorgmelding", "Slachtofferverwijzing"]
        return AdmissionPipeline(
            validator: MessageValidator(registry: registry, routingTable: table),
            senders: SenderPolicy(["00000099000000000001": both, "00000099000000000002": both, "00000099000000000003": both, "00000099000000000004": both]),
            signer: signer, deliverablePartners: partners)
    }

    /// The valid examples that intake accepts (receipts are not accepted at intake).
    static let examples = [
        "zorgmelding-spoed-amsterdam.xml", "zorgmelding-rotterdam-kind.xml",
        "zorgmelding-ex-partnerstalking-haaglanden.xml", "slachtofferverwijzing-utrecht.xml",
    ]

    /// Admits an example under a fresh message id and stores it as intake does; returns the id and recipients.
    @discardableResult
    static func accept(_ example: String, into store: any MessageStore, receivedAgo: TimeInterval = 0) async throws -> (id: String, recipients: [String]) {
        var text = String(decoding: try Data(contentsOf: repository.appendingPathComponent("Examples/valid/" + example)), as: UTF8.self)
        let id = UUID().uuidString.lowercased()
        guard let range = text.range(of: #"<kop:BerichtId>[^<]+</kop:BerichtId>"#, options: .regularExpression),
              let oinRange = text.range(of: #"(?<=<kop:OIN>)[0-9]{20}"#, options: .regularExpression) else {
            throw FixtureError("example \(example) has no BerichtId or sender OIN")
        }
        let sender = String(text[oinRange])
        text.replaceSubrange(range, with: "<kop:BerichtId>\(id)</kop:BerichtId>")
        let bytes = Data(text.utf8)
        let now = Date()
        let admitted = try pipeline.get().admit(bytes, authenticatedOIN: sender, now: now)
        let received = now.addingTimeInterval(-receivedAgo)
        let incoming = IncomingMessage(
            id: admitted.header.messageId, kind: admitted.kind.name, senderOIN: sender,
            digest: Data(SHA256.hash(data: bytes)), receivedAt: received, signedAt: admitted.signedAt,
            urgent: admitted.header.urgent, payload: admitted.signedBytes,
            retentionDeadline: now.addingTimeInterval(TimeInterval(admitted.kind.retentionDays) * 86_400))
        _ = try await store.accept(incoming, recipients: admitted.recipients)
        return (id, admitted.recipients)
    }
}

/// A test setup failure with a message.
struct FixtureError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
    /// Creates the error.
    init(_ description: String) { self.description = description }
}
