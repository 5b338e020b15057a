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

    /// The problem as an `application/problem+json` response.
    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return Response(status: HTTPResponse.Status(code: status),
                        headers: [.contentType: "application/problem+json"],
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
