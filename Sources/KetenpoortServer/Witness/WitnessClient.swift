import AsyncHTTPClient
import Foundation
import KetenpoortStore
import NIOCore

/// Talks to one witness over mutual TLS (`TLSPolicy.client`): posts heads, reads the latest head of a key.
public final class WitnessClient: Sendable {
    /// The witness's answer to a posted head.
    public enum PostAnswer: Sendable {
        /// 200: the witness holds the head; here is its cosignature.
        case cosigned(WitnessProtocol.Cosigned)
        /// 409: the witness holds another size; post again with a proof from it.
        case staleFromSize(size: Int64)
        /// 403, 422 or another refusal: the error code and detail.
        case refused(status: Int, WitnessProtocol.Refusal)
    }

    /// The witness's base URL (no trailing slash).
    public let baseURL: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// Creates a client presenting `tls.certificate` and trusting only `tls.trustedCAs`.
    public init(baseURL: String, tls: TLSFiles, timeout: TimeAmount = .seconds(10)) throws {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        var configuration = HTTPClient.Configuration(tlsConfiguration: try TLSPolicy.client(tls))
        configuration.timeout = .init(connect: .seconds(5), read: timeout)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = timeout
    }

    /// Closes the connections; call once at the end.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Posts a head with its consistency proof.
    public func post(_ submission: WitnessProtocol.Submission) async throws -> PostAnswer {
        var request = HTTPClientRequest(url: baseURL + WitnessProtocol.submitPath)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try WitnessProtocol.encode(submission)))
        let (status, body) = try await execute(request)
        switch status {
        case 200:
            return .cosigned(try JSONDecoder().decode(WitnessProtocol.Cosigned.self, from: body))
        case 409:
            let refusal = try JSONDecoder().decode(WitnessProtocol.Refusal.self, from: body)
            guard let size = refusal.witnessSize else { return .refused(status: status, refusal) }
            return .staleFromSize(size: size)
        default:
            let refusal = (try? JSONDecoder().decode(WitnessProtocol.Refusal.self, from: body))
                ?? WitnessProtocol.Refusal(error: "http-\(status)")
            return .refused(status: status, refusal)
        }
    }

    /// The witness's latest head of the key with this SHA-256, or nil if it holds none.
    public func latest(keySHA256: Data) async throws -> WitnessProtocol.Cosigned? {
        let request = HTTPClientRequest(url: baseURL + WitnessProtocol.latestPath + "?key_sha256=" + keySHA256.hexString)
        let (status, body) = try await execute(request)
        switch status {
        case 200: return try JSONDecoder().decode(WitnessProtocol.Cosigned.self, from: body)
        case 404: return nil
        default: throw WitnessClientError(url: baseURL, status: status)
        }
    }

    private func execute(_ request: HTTPClientRequest) async throws -> (Int, Data) {
        let response = try await client.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: WitnessProtocol.maxBodyBytes)
        return (Int(response.status.code), Data(body.readableBytesView))
    }
}

/// A witness answered with an unexpected HTTP status.
public struct WitnessClientError: Error, Sendable, CustomStringConvertible {
    /// The witness.
    public let url: String
    /// The status it answered.
    public let status: Int

    /// One line.
    public var description: String { "the witness at \(url) answered HTTP \(status)" }
}
