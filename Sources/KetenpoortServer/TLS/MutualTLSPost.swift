import AsyncHTTPClient
import Foundation
import NIOCore

/// A one-off HTTPS POST over mutual TLS with `TLSPolicy.client` (for the `submit` command and tests).
public enum MutualTLSPost {
    /// The server's answer.
    public struct Answer: Sendable {
        /// HTTP status code.
        public let status: Int
        /// The response body (at most `maxResponseBytes`).
        public let body: Data
        /// The Content-Type header, if any.
        public let contentType: String?
    }

    /// Posts `body` to `url` presenting `tls.certificate` and trusting only `tls.trustedCAs`.
    public static func post(
        _ body: Data, to url: String, tls: TLSFiles, contentType: String = "application/xml",
        timeout: TimeAmount = .seconds(30), maxResponseBytes: Int = 1 << 20
    ) async throws -> Answer {
        var configuration = HTTPClient.Configuration(tlsConfiguration: try TLSPolicy.client(tls))
        configuration.timeout = .init(connect: .seconds(10), read: timeout)
        // A refused connection (nothing listening) fails at once instead of being retried until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: timeout)
            let collected = try await response.body.collect(upTo: maxResponseBytes)
            try await client.shutdown()
            return Answer(status: Int(response.status.code), body: Data(collected.readableBytesView),
                          contentType: response.headers.first(name: "Content-Type"))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
