import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// Why a delivery attempt failed, in words an operator understands: the endpoint and what happened, never message content.
public enum DeliveryErrorText {
    /// The endpoint as `scheme://host:port` (no path or query), the form every error text names.
    public static func endpoint(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else { return "the configured endpoint" }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }

    /// Classifies a failed send (no HTTP answer came back) as an error class and a text naming `endpoint`.
    public static func transportFailure(_ error: any Error, endpoint: String, connectTimeout: TimeAmount,
                                        readTimeout: TimeAmount) -> (errorClass: String, text: String) {
        if let error = error as? HTTPClientError {
            if error == .connectTimeout {
                return ("timeout", "connect to \(endpoint) timed out after \(seconds(connectTimeout))")
            }
            if error == .readTimeout || error == .deadlineExceeded {
                return ("timeout", "no answer from \(endpoint) within \(seconds(readTimeout)) (read timed out)")
            }
            if error == .tlsHandshakeTimeout {
                return ("timeout", "TLS handshake with \(endpoint) timed out")
            }
            if error == .remoteConnectionClosed {
                return ("connection", "\(endpoint) closed the connection before answering")
            }
        }
        if let reason = tlsReason(error) {
            return ("tls", "TLS handshake with \(endpoint) failed: \(reason)")
        }
        if isRefused(error) {
            return ("connection", "connection refused by \(endpoint) (nothing listens on that port)")
        }
        if let unknown = underlying(error).lazy.compactMap({ $0 as? SocketAddressError.UnknownHost }).first {
            return ("connection", "host not found (DNS) for \(endpoint): \(unknown.errorDescription)")
        }
        if isHostNotFound(error) {
            return ("connection", "host not found (DNS) for \(endpoint)")
        }
        if let errno = errnoCode(error) {
            return ("connection", "cannot connect to \(endpoint): \(String(cString: strerror(errno)))")
        }
        return ("connection", "cannot reach \(endpoint) (\(type(of: error)))")
    }

    /// The text for an HTTP status without a usable receipt.
    public static func httpStatus(_ code: Int, endpoint: String) -> String {
        "\(endpoint) answered HTTP \(code)"
    }

    /// The text for a receipt that did not verify; `reason` is the verifier's reason code.
    public static func receiptNotAccepted(_ reason: String, endpoint: String) -> String {
        "receipt from \(endpoint) not accepted: \(reason)"
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let value = Double(amount.nanoseconds) / 1_000_000_000
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// `error` and the errors it wraps, found by reflection (NIOPosix's happy-eyeballs connect error holds one per
    /// address tried plus the DNS errors; this target does not link NIOPosix directly).
    private static func underlying(_ error: any Error, depth: Int = 0) -> [any Error] {
        var found: [any Error] = [error]
        guard depth < 4 else { return found }
        for child in Mirror(reflecting: error).children {
            found += nestedErrors(child.value).flatMap { underlying($0, depth: depth + 1) }
        }
        return found
    }

    private static func nestedErrors(_ value: Any) -> [any Error] {
        if let error = value as? any Error { return [error] }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional || mirror.displayStyle == .collection || mirror.displayStyle == .struct {
            return mirror.children.flatMap { nestedErrors($0.value) }
        }
        return []
    }

    private static func errnoCode(_ error: any Error) -> Int32? {
        underlying(error).lazy.compactMap { ($0 as? IOError)?.errnoCode }.first
    }

    private static func isRefused(_ error: any Error) -> Bool {
        underlying(error).contains { ($0 as? IOError)?.errnoCode == ECONNREFUSED }
    }

    private static func isHostNotFound(_ error: any Error) -> Bool {
        underlying(error).contains { $0 is SocketAddressError || $0 is SocketAddressError.UnknownHost }
            || (String(describing: type(of: error)) == "NIOConnectionError" && errnoCode(error) == nil)
    }

    /// The TLS library's short reason (such as `CERTIFICATE_VERIFY_FAILED`), without build paths; nil if not a TLS error.
    private static func tlsReason(_ error: any Error) -> String? {
        if let extra = error as? NIOSSLExtraError {
            return "\(extra)".components(separatedBy: ":").last?.trimmingCharacters(in: .whitespaces) ?? "\(extra)"
        }
        guard let ssl = error as? NIOSSLError else { return nil }
        switch ssl {
        case .handshakeFailed(let boring):
            let described = "\(boring)"
            var reasons: [String] = []
            for part in described.components(separatedBy: "OPENSSL_internal:").dropFirst() {
                let reason = part.prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
                if !reason.isEmpty, !reasons.contains(String(reason)) { reasons.append(String(reason)) }
            }
            return reasons.isEmpty ? "handshake failed" : reasons.joined(separator: ", ")
        case .uncleanShutdown:
            return "the partner closed the connection during the handshake"
        default:
            return "\(ssl)"
        }
    }
}
