import Foundation
import Hummingbird
import KetenpoortXML

/// An RFC 9457 problem document; `findings` lists what was wrong, never message content.
struct ProblemDetails: Encodable, Sendable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    var findings: [Finding]?
    var messageId: String?
    /// Seconds after which the client may try again (sent as `Retry-After`, not in the body).
    var retryAfterSeconds: Int?

    private enum CodingKeys: String, CodingKey {
        case type, title, status, detail, findings, messageId
    }

    /// The problem as an `application/problem+json` response.
    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfterSeconds {
            headers[.retryAfter] = "\(retryAfterSeconds)"
        }
        return Response(status: HTTPResponse.Status(code: status),
                        headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func invalid(_ findings: [Finding], status: Int) -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:invalid-message", title: "The message was refused", status: status,
                       detail: "\(findings.count) finding(s); see findings (codes in docs/rules.md)", findings: findings)
    }

    static func forbidden(_ detail: String, findings: [Finding]? = nil) -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:forbidden", title: "Sender not allowed", status: 403, detail: detail, findings: findings)
    }

    static func conflict(messageId: String) -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:conflict", title: "Message id already used", status: 409,
                       detail: "a message with this id and different content was already accepted", messageId: messageId)
    }

    static func unavailable(_ detail: String) -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:unavailable", title: "Not accepted, try again", status: 503, detail: detail)
    }

    static func busy(retryAfterSeconds: Int) -> ProblemDetails {
        var problem = ProblemDetails(type: "urn:nl:ketenpoort:problem:busy", title: "Busy, try again shortly", status: 503,
                                     detail: "the gateway is admitting as many messages as it can at once; nothing was read or accepted")
        problem.retryAfterSeconds = retryAfterSeconds
        return problem
    }

    static func unsupportedMediaType() -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:unsupported-media-type", title: "Unsupported media type", status: 415,
                       detail: "the body must be sent as Content-Type application/xml (or text/xml)",
                       findings: [Finding(code: "KP-H001", message: "Content-Type must be application/xml or text/xml")])
    }

    static func tooLarge(limit: Int) -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:too-large", title: "Message too large", status: 413,
                       detail: "the body is larger than \(limit) bytes",
                       findings: [Finding(code: "KP-X003", message: "document is larger than the limit of \(limit) bytes")])
    }

    static func notFound() -> ProblemDetails {
        ProblemDetails(type: "urn:nl:ketenpoort:problem:not-found", title: "Unknown message", status: 404,
                       detail: "no message with this id was sent by this organisation")
    }
}
