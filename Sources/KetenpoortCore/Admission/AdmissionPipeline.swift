import Foundation
import KetenpoortXML

/// Steps 1–6 of admission: read, validate, rules, authorise, route, sign.
public struct AdmissionPipeline: Sendable {
    /// Steps 1–3 and 5.
    public let validator: MessageValidator
    /// Step 4.
    public let senders: SenderPolicy
    /// Step 6.
    public let signer: XMLSigner
    /// Partner ids that have a delivery route; a message routed elsewhere is refused.
    public let deliverablePartners: Set<String>

    /// Creates the pipeline.
    public init(validator: MessageValidator, senders: SenderPolicy, signer: XMLSigner, deliverablePartners: Set<String>) {
        self.validator = validator
        self.senders = senders
        self.signer = signer
        self.deliverablePartners = deliverablePartners
    }

    /// Code of the finding for a message that arrives signed: the gateway is the only signer.
    public static let alreadySignedCode = "KP-A003"

    /// Admits raw bytes from an authenticated organisation, or throws `AdmissionFailure`.
    public func admit(_ bytes: Data, authenticatedOIN: String, now: Date = Date()) throws(AdmissionFailure) -> AdmittedMessage {
        let message: ValidatedMessage
        do {
            let document = try validator.reader.read(bytes)
            // A second signature would make every partner refuse the message: refuse it here, with a 4xx.
            guard !document.containsSignatureElements else {
                throw Rejection(code: Self.alreadySignedCode,
                                message: "a message must arrive unsigned (no ds:Signature or other XMLDSig element): the gateway is the only signer")
            }
            message = try validator.validate(document, now: now)
        } catch let rejection as Rejection {
            throw .invalid(rejection.findings)
        } catch {
            throw .internalError(error)
        }
        guard message.kind.routing != nil else {
            throw .invalid([Finding(code: "KP-A002", message: "messages of kind \(message.kind.name) are not accepted at intake",
                                    path: "/" + message.root.name)])
        }
        do {
            try senders.authorise(authenticatedOIN: authenticatedOIN, header: message.header)
        } catch {
            throw .unauthorised(error, message.header)
        }
        let undeliverable = message.recipients.filter { !deliverablePartners.contains($0) }
        guard undeliverable.isEmpty, !message.recipients.isEmpty else {
            throw .invalid([Finding(code: "KP-R009", message: "no delivery route is configured for the responsible partner",
                                    path: "/" + message.root.name)])
        }
        do {
            try signer.sign(message.document)
        } catch .notCanonicalisable {
            throw .invalid([Finding(code: ReadingCode.notCanonicalisable,
                                    message: "the document cannot be canonicalised (exclusive C14N), so it cannot be signed")])
        } catch {
            throw .internalError(error)
        }
        let signed: Data
        do { signed = try message.document.serialized() } catch { throw .internalError(error) }
        return AdmittedMessage(header: message.header, kind: message.kind, recipients: message.recipients,
                               signedBytes: signed, signedAt: now)
    }
}

/// A message that passed admission: signed and routed, ready to store.
public struct AdmittedMessage: Sendable {
    /// Its header.
    public let header: MessageHeader
    /// Its kind.
    public let kind: MessageKind
    /// Partner ids it goes to.
    public let recipients: [String]
    /// The signed document as it will be delivered.
    public let signedBytes: Data
    /// When it was signed.
    public let signedAt: Date
}

/// Why admission refused a message.
public enum AdmissionFailure: Error, Sendable {
    /// Reading, schema, rules or routing failed.
    case invalid([Finding])
    /// The sender may not send this (the header is valid, so its id and kind can be audited).
    case unauthorised(AuthorisationFailure, MessageHeader)
    /// Something on our side failed (the cause, for the log; it never carries message content); the client may retry.
    case internalError(any Error)

    /// The findings to report.
    public var findings: [Finding] {
        switch self {
        case .invalid(let findings): return findings
        case .unauthorised(let failure, _): return [Finding(code: failure.code, message: failure.description, path: "/Berichtkop/Afzender/OIN")]
        case .internalError: return []
        }
    }
}
