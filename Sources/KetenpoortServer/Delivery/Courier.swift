import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// POSTs signed messages to partners over mutual TLS and checks the signed receipt that comes back.
public final class Courier: DeliveryTransport {
    private let client: HTTPClient
    private let receipts: ReceiptVerifier
    private let requestTimeout: TimeAmount
    private let connectTimeout: TimeAmount
    private let maxReceiptBytes = 256 * 1024
    private let revocation: RevocationChecker?

    /// Creates a courier with its own connection pool; a receipt signer that `revocation` revokes is no longer accepted.
    public init(tls: TLSFiles, receipts: ReceiptVerifier, connectTimeout: TimeInterval, requestTimeout: TimeInterval,
                maxConnectionsPerHost: Int, revocation: RevocationChecker? = nil) throws {
        self.revocation = revocation
        var configuration = HTTPClient.Configuration(tlsConfiguration: try TLSPolicy.client(tls))
        configuration.timeout = .init(connect: .milliseconds(Int64(connectTimeout * 1000)),
                                      read: .milliseconds(Int64(requestTimeout * 1000)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        // A refused connection fails the attempt at once; the dispatcher's backoff retries, not the pool (which
        // would otherwise retry until the connect timeout, holding the partner's slot).
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.receipts = receipts
        self.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        self.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
    }

    /// Closes the connection pool.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// One delivery attempt; never throws, every failure is classified.
    public func deliver(_ payload: Data, messageId: String, to partner: PartnerRoute) async -> CourierOutcome {
        var request = HTTPClientRequest(url: partner.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/xml")
        request.headers.add(name: "X-Ketenpoort-Bericht-Id", value: messageId)
        request.body = .bytes(ByteBuffer(bytes: payload))
        let endpoint = DeliveryErrorText.endpoint(of: partner.endpoint)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: requestTimeout)
            body = try await response.body.collect(upTo: maxReceiptBytes)
        } catch {
            let failure = DeliveryErrorText.transportFailure(error, endpoint: endpoint, connectTimeout: connectTimeout,
                                                             readTimeout: requestTimeout)
            return .retry(errorClass: failure.errorClass, text: failure.text)
        }
        let code = Int(response.status.code)
        switch code {
        case 200...299:
            return verify(Data(buffer: body), messageId: messageId, payload: payload, partner: partner)
        case 408, 429, 500...599:
            // A partner may say "try later" with a signed receipt; its digest then goes into the audit trail.
            if body.readableBytes > 0,
               case .tryLater(let receipt) = verify(Data(buffer: body), messageId: messageId, payload: payload, partner: partner) {
                return .tryLater(receipt: receipt)
            }
            return .retry(errorClass: "http-retryable", text: DeliveryErrorText.httpStatus(code, endpoint: endpoint))
        default:
            // A partner may explain a 4xx with a signed refusal; without one the refusal is permanent anyway.
            switch verify(Data(buffer: body), messageId: messageId, payload: payload, partner: partner) {
            case .refused(let reason, let receipt):
                return .refused(reason: reason, receipt: receipt)
            case .tryLater(let receipt):
                return .tryLater(receipt: receipt)
            default:
                return .permanent(errorClass: "http-permanent", text: DeliveryErrorText.httpStatus(code, endpoint: endpoint))
            }
        }
    }

    private func verify(_ receipt: Data, messageId: String, payload: Data, partner: PartnerRoute) -> CourierOutcome {
        do {
            // A pinned receipt certificate that a (refreshed) revocation list revokes no longer counts.
            let signers = revocation.map { checker in partner.receiptSigners.filter { !checker.isRevoked(certificateDER: Array($0)) } }
                ?? partner.receiptSigners
            let verified = try receipts.verify(receipt: receipt, forMessageId: messageId, sentBytes: payload,
                                               expectedSigners: signers)
            switch verified.status {
            case .received:
                return .delivered(receipt: receipt)
            case .refused(.temporarilyUnavailable):
                return .tryLater(receipt: receipt)
            case .refused(let reason):
                return .refused(reason: "\(reason)", receipt: receipt)
            }
        } catch {
            let reason = error.reason
            return .retry(errorClass: "receipt-invalid",
                          text: DeliveryErrorText.receiptNotAccepted(reason, endpoint: DeliveryErrorText.endpoint(of: partner.endpoint)))
        }
    }
}
