import Foundation
import KetenpoortCore
import KetenpoortXML

/// The partner's handling of one delivered message: verify, validate, store, acknowledge.
struct PartnerMessageProcessor: Sendable {
    /// The partner's routing id (e.g. `shn`).
    let partner: String
    /// Verifies the gateway's signatures.
    let signatures: SignatureVerifier
    /// OINs of accepted gateway signing certificates.
    let acceptedSignerOINs: Set<String>
    /// Schema and rules.
    let validator: MessageValidator
    /// Builds and signs receipts.
    let receipts: ReceiptBuilder
    /// Where accepted messages go.
    let inbox: PartnerInbox
    /// Test hook.
    let behaviour: PartnerBehaviourSchedule
    /// Revocation lists for the signer's certificate (nil: not checked).
    var revocation: RevocationChecker?

    /// What the synchronous checks found.
    private enum Examination: Sendable {
        case unreadable(String)
        case refuse(messageId: String, ReceiptRefusalReason, code: String, explanation: String)
        case acceptable(messageId: String)
    }

    /// Handles the exact bytes of one delivery.
    func process(_ bytes: Data, receivedAt: Date = Date()) async -> PartnerAnswer {
        switch await behaviour.next() {
        case .failWith(let status):
            return PartnerAnswer(form: .status(status, "simulated failure"), messageId: nil, outcome: "fout",
                                 reason: "test-\(status)")
        case .dropConnection:
            return PartnerAnswer(form: .drop, messageId: nil, outcome: "verbroken", reason: "test-drop")
        case .refuse(let reason):
            switch examine(bytes) {
            case .unreadable(let code):
                return PartnerAnswer(form: .status(400, code), messageId: nil, outcome: "afgewezen", reason: code)
            case .refuse(let id, _, _, _), .acceptable(let id):
                return refusal(id, reason, code: "test", explanation: "Testweigering.", bytes: bytes, at: receivedAt)
            }
        case .stall(let milliseconds):
            try? await Task.sleep(for: .milliseconds(milliseconds))
        case .normal:
            break
        }
        switch examine(bytes) {
        case .unreadable(let code):
            return PartnerAnswer(form: .status(400, code), messageId: nil, outcome: "afgewezen", reason: code)
        case .refuse(let id, let reason, let code, let explanation):
            return refusal(id, reason, code: code, explanation: explanation, bytes: bytes, at: receivedAt)
        case .acceptable(let id):
            return await store(id, bytes: bytes, at: receivedAt)
        }
    }

    private func store(_ id: String, bytes: Data, at receivedAt: Date) async -> PartnerAnswer {
        let result: PartnerInbox.StoreResult
        do {
            result = try await inbox.store(messageId: id, bytes: bytes)
        } catch {
            // Not a refusal: the gateway must retry, so answer 503 without a receipt.
            return PartnerAnswer(form: .status(503, "inbox unavailable"), messageId: id, outcome: "fout",
                                 reason: "inbox-write-failed")
        }
        switch result {
        case .stored:
            return receipt(id, .received, explanation: nil, bytes: bytes, at: receivedAt, outcome: "ontvangen", reason: nil)
        case .duplicate:
            return receipt(id, .received, explanation: nil, bytes: bytes, at: receivedAt, outcome: "dubbel-ontvangen",
                           reason: nil)
        case .conflict:
            return refusal(id, .duplicateWithOtherContent, code: "duplicate-id",
                           explanation: "Eerder ontvangen bericht met dit BerichtId had andere inhoud.",
                           bytes: bytes, at: receivedAt)
        }
    }

    /// Reads, verifies the signature and validates; never keeps or returns content.
    private func examine(_ bytes: Data) -> Examination {
        let document: XMLDocument
        do { document = try validator.reader.read(bytes) } catch {
            return .unreadable(Self.codes(error))
        }
        guard let id = document.rootElement()?.child("Berichtkop")?.child("BerichtId")?.text,
              ReceiptXML.isContractUUID(id) else {
            return .unreadable("no-message-id")
        }
        let signer: SignerIdentity
        do { signer = try signatures.verify(document) } catch {
            return .refuse(messageId: id, .signatureInvalid, code: error.code,
                           explanation: "Handtekening niet geaccepteerd (\(error.code)).")
        }
        guard let oin = signer.oin, acceptedSignerOINs.contains(oin) else {
            let code = SignatureFailure.unexpectedSigner.code
            return .refuse(messageId: id, .signatureInvalid, code: code,
                           explanation: "Handtekening is niet van de Ketenpoort (\(code)).")
        }
        if let revocation, revocation.isRevoked(certificateDER: Array(signer.certificateDER)) {
            return .refuse(messageId: id, .signatureInvalid, code: "revoked",
                           explanation: "Het ondertekeningscertificaat is ingetrokken.")
        }
        let message: ValidatedMessage
        do { message = try validator.validate(document) } catch {
            let codes = Self.codes(error)
            return .refuse(messageId: id, .schemaInvalid, code: codes, explanation: "Bericht ongeldig (\(codes)).")
        }
        if message.kind.name == Version1Kinds.ontvangstbevestiging.name
            || (!message.recipients.isEmpty && !message.recipients.contains(partner)) {
            return .refuse(messageId: id, .notForRecipient, code: "route",
                           explanation: "Bericht is niet voor deze ontvanger bestemd.")
        }
        return .acceptable(messageId: id)
    }

    private func refusal(_ id: String, _ reason: ReceiptRefusalReason, code: String, explanation: String,
                         bytes: Data, at receivedAt: Date) -> PartnerAnswer {
        receipt(id, .refused(reason), explanation: explanation, bytes: bytes, at: receivedAt, outcome: "geweigerd",
                reason: "\(reason.rawValue) \(code)")
    }

    private func receipt(_ id: String, _ status: ReceiptStatus, explanation: String?, bytes: Data, at receivedAt: Date,
                         outcome: String, reason: String?) -> PartnerAnswer {
        do {
            let signed = try receipts.build(forMessageId: id, receivedBytes: bytes, status: status,
                                            receivedAt: receivedAt, explanation: explanation)
            return PartnerAnswer(form: .receipt(signed), messageId: id, outcome: outcome, reason: reason)
        } catch {
            return PartnerAnswer(form: .status(500, "receipt could not be signed"), messageId: id, outcome: "fout",
                                 reason: "receipt-signing-failed")
        }
    }

    /// Finding codes of a rejection, de-duplicated, e.g. `KP-S001,KP-R002` (codes only, no values).
    private static func codes(_ error: any Error) -> String {
        guard let rejection = error as? Rejection else { return "KP-X000" }
        var seen: [String] = []
        for finding in rejection.findings where !seen.contains(finding.code) { seen.append(finding.code) }
        return seen.isEmpty ? "KP-X000" : seen.joined(separator: ",")
    }
}
