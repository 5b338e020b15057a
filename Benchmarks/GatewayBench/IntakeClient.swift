import AsyncHTTPClient
import Foundation
import KetenpoortServer
import NIOCore
import Synchronization

/// A keep-alive mutual-TLS client posting messages to the gateways' intake (loopback only), round-robin over their URLs.
final class BenchIntakeClient: Sendable {
    private let client: HTTPClient
    private let urls: [String]
    private let next = Mutex(0)

    /// A client with up to `connections` keep-alive connections to `url`, which must be on 127.0.0.1 or localhost.
    convenience init(url: String, tls: TLSFiles, connections: Int, timeoutSeconds: Int64 = 20) throws {
        try self.init(urls: [url], tls: tls, connections: connections, timeoutSeconds: timeoutSeconds)
    }

    /// A client that posts to each of `urls` in turn (all on 127.0.0.1 or localhost), up to `connections` per URL.
    init(urls: [String], tls: TLSFiles, connections: Int, timeoutSeconds: Int64 = 20) throws {
        guard !urls.isEmpty else { throw BenchError("no intake URL to post to") }
        for url in urls {
            guard let host = URL(string: url)?.host, ["localhost", "127.0.0.1"].contains(host) else {
                throw BenchError("benchmarks only target localhost, not \(url)")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: try TLSPolicy.client(tls))
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(timeoutSeconds))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.urls = urls
    }

    /// The URL the next request goes to.
    private func nextURL() -> String {
        next.withLock { index in
            defer { index = (index + 1) % urls.count }
            return urls[index]
        }
    }

    /// POSTs one message; returns the HTTP status, or nil after a connection error or timeout.
    func post(_ body: Data, timeoutSeconds: Int64 = 20) async -> Int? {
        var request = HTTPClientRequest(url: nextURL())
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/xml")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
            _ = try await response.body.collect(upTo: 1 << 20)
            return Int(response.status.code)
        } catch {
            return nil
        }
    }

    /// Closes all connections.
    func shutdown() async {
        try? await client.shutdown()
    }
}
