import Foundation
import KetenpoortCore
import KetenpoortXML

/// Checks a partner's receipt: signature, signer, schema and rules, message id and digest.
public struct ReceiptVerifier: Sendable {
    private let signatures: SignatureVerifier
    private let validator: MessageValidator

    /// Creates a verifier trusting the CA certificates in `trustAnchorsPEM`, validating with `validator`.
    public init(trustAnchorsPEM: Data, validator: MessageValidator) throws {
        self.signatures = try SignatureVerifier(trustAnchorsPEM: trustAnchorsPEM)
        self.validator = validator
    }

    /// Creates a verifier from CA files and the schema directory (no routing table is needed for receipts).
    public init(trustAnchorFiles: [URL], schemaDirectory: URL = ResourceLocation.schemaDirectory()) throws {
        var pem = Data()
        for file in trustAnchorFiles {
            do { pem.append(try Data(contentsOf: file)) } catch { throw SigningError.unreadable(path: file.path) }
            pem.append(0x0A)
        }
        let registry = try MessageKindRegistry(schemaDirectory: schemaDirectory)
        try self.init(trustAnchorsPEM: pem, validator: MessageValidator(registry: registry, routingTable: MunicipalityRegions([:])))
    }

    /// Verifies `receipt` for the message `forMessageId` that was delivered as `sentBytes`.
    ///
    /// `expectedSigners` are the DER certificates allowed to sign receipts for this partner (more than one during a
    /// key rollover); the signing certificate must equal one of them byte for byte.
    public func verify(
        receipt: Data, forMessageId messageId: String, sentBytes: Data, expectedSigners: [Data], at time: Date? = nil
    ) throws(ReceiptVerificationError) -> VerifiedReceipt {
        let document: XMLDocument
        do { document = try validator.reader.read(receipt) } catch { throw .invalid(Self.findings(error)) }
        let signer: SignerIdentity
        do { signer = try signatures.verify(document, at: time) } catch { throw .badSignature(error) }
        guard expectedSigners.contains(signer.certificateDER) else { throw .unexpectedSigner }
        let message: ValidatedMessage
        do { message = try validator.validate(document, now: time ?? Date()) } catch { throw .invalid(Self.findings(error)) }
        guard message.kind.name == Version1Kinds.ontvangstbevestiging.name else {
            throw .invalid([Finding(code: ReadingCode.unknownKind, message: "the answer is not an Ontvangstbevestiging",
                                    path: "/" + message.root.name)])
        }
        let root = message.root
        guard root.child("OntvangenBerichtId")?.text == messageId else { throw .wrongMessage }
        let digest = root.child("Berichtdigest")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard digest == MessageDigest.sha256Base64(sentBytes) else { throw .wrongDigest }
        let status: ReceiptStatus
        if root.child("Status")?.text == "ontvangen" {
            status = .received
        } else {
            let reason = root.child("Weigeringsreden").flatMap { ReceiptRefusalReason(rawValue: $0.text) } ?? .other
            status = .refused(reason)
        }
        return VerifiedReceipt(
            status: status, receiptId: message.header.messageId,
            receivedAt: root.child("OntvangstTijdstip")?.text ?? "", digestBase64: digest,
            signerOIN: signer.oin, bytes: receipt)
    }

    private static func findings(_ error: any Error) -> [Finding] {
        if let rejection = error as? Rejection { return rejection.findings }
        return [Finding(code: "KP-X000", message: "the receipt could not be read")]
    }
}
