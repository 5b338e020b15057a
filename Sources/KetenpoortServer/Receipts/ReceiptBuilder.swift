import Foundation
import KetenpoortXML

/// Builds and signs `Ontvangstbevestiging` receipts for one partner.
public struct ReceiptBuilder: Sendable {
    /// Why a receipt could not be built.
    public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The acknowledged message id is not a contract UUID, so no schema-valid receipt can name it.
        case messageIdNotAUUID
        /// The partner's OIN is not 20 digits.
        case partnerOINInvalid
        /// Signing failed (detail from the signer, without content).
        case signingFailed(String)

        /// Explanation naming the rule.
        public var description: String {
            switch self {
            case .messageIdNotAUUID: return "receipt: OntvangenBerichtId must be a lowercase UUID (contract type UUID)"
            case .partnerOINInvalid: return "receipt: the partner OIN must be exactly 20 digits (contract type OIN)"
            case .signingFailed(let detail): return "receipt: signing failed: \(detail)"
            }
        }
    }

    /// The partner's OIN (`Afzender/OIN`).
    public let partnerOIN: String
    /// The partner's unit (`Afzender/Organisatieonderdeel`, 1..100 characters).
    public let organisationalUnit: String
    /// Signs every receipt.
    public let signer: XMLSigner

    /// Creates a builder for the partner `partnerOIN`/`organisationalUnit`, signing with `signer`.
    public init(partnerOIN: String, organisationalUnit: String, signer: XMLSigner) {
        self.partnerOIN = partnerOIN
        self.organisationalUnit = organisationalUnit
        self.signer = signer
    }

    /// A signed receipt for the message `messageId` whose exact bytes were `receivedBytes`.
    public func build(
        forMessageId messageId: String,
        receivedBytes: Data,
        status: ReceiptStatus,
        receivedAt: Date = Date(),
        explanation: String? = nil,
        receiptId: String = UUID().uuidString.lowercased(),
        createdAt: Date = Date()
    ) throws -> Data {
        let unsigned = try unsignedReceipt(
            forMessageId: messageId, digestBase64: MessageDigest.sha256Base64(receivedBytes), status: status,
            receivedAt: receivedAt, explanation: explanation, receiptId: receiptId, createdAt: createdAt)
        do {
            return try signer.sign(unsigned)
        } catch {
            throw BuildError.signingFailed(String(describing: error))
        }
    }

    /// The receipt's XML before signing (exposed for tests that tamper with receipts).
    public func unsignedReceipt(
        forMessageId messageId: String,
        digestBase64: String,
        status: ReceiptStatus,
        receivedAt: Date,
        explanation: String?,
        receiptId: String,
        createdAt: Date
    ) throws -> Data {
        guard ReceiptXML.isContractUUID(messageId) else { throw BuildError.messageIdNotAUUID }
        guard partnerOIN.count == 20, partnerOIN.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw BuildError.partnerOINInvalid
        }
        let escape = ReceiptXML.escape
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<Ontvangstbevestiging xmlns="urn:nl:ketenpoort:ontvangstbevestiging:v1" xmlns:kop="urn:nl:ketenpoort:berichtkop:v1">"#,
            "  <kop:Berichtkop>",
            "    <kop:BerichtId>\(escape(receiptId))</kop:BerichtId>",
            "    <kop:Berichtsoort>Ontvangstbevestiging</kop:Berichtsoort>",
            "    <kop:Versie>1.0</kop:Versie>",
            "    <kop:Afzender>",
            "      <kop:OIN>\(partnerOIN)</kop:OIN>",
            "      <kop:Organisatieonderdeel>\(escape(String(organisationalUnit.prefix(100))))</kop:Organisatieonderdeel>",
            "    </kop:Afzender>",
            "    <kop:AanmaakTijdstip>\(ReceiptXML.timestamp(createdAt))</kop:AanmaakTijdstip>",
            "    <kop:CorrelatieId>\(messageId)</kop:CorrelatieId>",
            "    <kop:Urgentie>regulier</kop:Urgentie>",
            "  </kop:Berichtkop>",
            "  <OntvangenBerichtId>\(messageId)</OntvangenBerichtId>",
            "  <OntvangstTijdstip>\(ReceiptXML.timestamp(receivedAt))</OntvangstTijdstip>",
            "  <Berichtdigest Algoritme=\"\(MessageDigest.algorithmURI)\">\(escape(digestBase64))</Berichtdigest>",
            "  <Status>\(status.statusCode)</Status>",
        ]
        if let reason = status.refusalReason {
            lines.append("  <Weigeringsreden>\(reason.rawValue)</Weigeringsreden>")
        }
        if let explanation, !explanation.isEmpty {
            lines.append("  <Toelichting>\(escape(String(explanation.prefix(500))))</Toelichting>")
        }
        lines.append("</Ontvangstbevestiging>")
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }
}
