import Foundation
import Hummingbird
import KetenpoortCore
import KetenpoortStore

/// The JSON answer to intake and status requests: where each recipient's delivery stands.
struct MessageStatusResponse: Encodable, Sendable {
    struct Recipient: Encodable, Sendable {
        let partner: String
        let state: String
        let attempts: Int
        let nextAttemptAt: String?
        let lastErrorClass: String?
    }

    let messageId: String
    let kind: String
    let receivedAt: String
    let recipients: [Recipient]
    let statusUrl: String

    init(_ status: MessageStatus) {
        messageId = status.message.id
        kind = status.message.kind
        receivedAt = RFC3339.utc(status.message.receivedAt)
        recipients = status.deliveries.map {
            Recipient(partner: $0.partner, state: $0.state.rawValue, attempts: $0.attempts,
                      nextAttemptAt: $0.nextAttemptAt.map { RFC3339.utc($0) }, lastErrorClass: $0.lastErrorClass?.rawValue)
        }
        statusUrl = "/v1/berichten/\(status.message.id)"
    }

    /// The status of a message stored just now: every delivery queued and due at once, as the accept wrote them.
    init(justAccepted message: StoredMessage) {
        messageId = message.id
        kind = message.kind
        let received = RFC3339.utc(message.receivedAt)
        receivedAt = received
        recipients = message.recipients.map {
            Recipient(partner: $0, state: DeliveryState.queued.rawValue, attempts: 0, nextAttemptAt: received, lastErrorClass: nil)
        }
        statusUrl = "/v1/berichten/\(message.id)"
    }

    /// The status as a JSON response with the given HTTP status.
    func response(status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.location] = statusUrl
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
