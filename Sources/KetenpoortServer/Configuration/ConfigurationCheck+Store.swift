import Foundation
import KetenpoortPKI

extension ConfigurationCheck {
    /// Problems and warnings with the `store:` section, found without connecting: required keys, TLS strictness,
    /// files that must exist, be private, or hold a key of the right size.
    public static func storeFindings(_ configuration: GatewayConfiguration) -> (problems: [ConfigurationProblem], warnings: [ConfigurationProblem]) {
        guard let store = configuration.store else { return ([], []) }
        var findings = StoreFindings()
        switch store.kind {
        case .sqlite:
            for entry in store.postgresKeys where entry.isSet {
                findings.problem("store.\(entry.key)", "is only used with kind: postgres (kind is sqlite)")
            }
        case .postgres:
            findings.checkServer(store)
            findings.checkTLS(store)
            findings.checkSecret(store.passwordFile, key: "store.passwordFile", what: "password")
            if let file = store.keyEncryptionKeyFile {
                findings.checkSecret(file, key: "store.keyEncryptionKeyFile", what: "key-encryption key")
                findings.checkKeyEncryptionKey(file)
            } else {
                findings.problem("store.keyEncryptionKeyFile", "is required with kind: postgres (the key that wraps the payload data keys; "
                                 + "base64 of 32 random bytes, e.g. `openssl rand -base64 32`, mode 0600)")
            }
            findings.checkTiming(store)
        }
        return (findings.problems, findings.warnings)
    }
}

/// The findings of the store checks, collected one key at a time.
private struct StoreFindings {
    var problems: [ConfigurationProblem] = []
    var warnings: [ConfigurationProblem] = []

    /// The size of the key-encryption key (AES-256).
    static let keyEncryptionKeyBytes = 32

    mutating func problem(_ key: String, _ text: String) {
        problems.append(ConfigurationProblem(key: key, problem: text))
    }

    mutating func warning(_ key: String, _ text: String) {
        warnings.append(ConfigurationProblem(key: key, problem: text))
    }

    mutating func checkServer(_ store: GatewayConfiguration.Store) {
        for (key, value) in [("store.database", store.database), ("store.user", store.user)] {
            if (value ?? "").trimmingCharacters(in: .whitespaces).isEmpty { problem(key, "is required with kind: postgres") }
        }
        if store.socket != nil, store.host != nil || store.port != nil {
            problem("store.socket", "give either socket or host and port, not both")
        }
        if let host = store.host, host.trimmingCharacters(in: .whitespaces).isEmpty { problem("store.host", "must not be empty") }
        if let port = store.port, !(1...65535).contains(port) { problem("store.port", "must be between 1 and 65535") }
        if let socket = store.socket, socket.hasSuffix("/") {
            problem("store.socket", "must name the socket file (e.g. /run/postgresql/.s.PGSQL.5432), not its directory")
        }
    }

    mutating func checkTLS(_ store: GatewayConfiguration.Store) {
        let tls = store.tls ?? GatewayConfiguration.Store.TLS()
        let mode = store.effectiveTLSMode
        switch mode {
        case .disable:
            let host = store.host ?? "127.0.0.1"
            if store.socket == nil, !Self.isLoopback(host) {
                problem("store.tls.mode", "disable is only allowed for a socket or a loopback host (host is \(host)); "
                        + "use verify-full with the database server's CA in store.tls.ca")
            }
            for (key, value) in [("ca", tls.ca), ("certificate", tls.certificate), ("key", tls.key)] where value != nil {
                problem("store.tls.\(key)", "is not used with mode: disable")
            }
        case .verifyCA, .verifyFull:
            if let ca = tls.ca {
                checkCertificates(ca, key: "store.tls.ca")
            } else if store.socket == nil {
                warning("store.tls.ca", "not set: the database server's certificate is checked against this machine's trusted CAs; "
                        + "name the CA that signs it (PEM) to trust no other")
            }
            if store.socket != nil { problem("store.tls.mode", "TLS does not protect a socket connection: leave mode out or use disable") }
        }
        switch (tls.certificate, tls.key) {
        case (nil, nil):
            break
        case (.some, nil):
            problem("store.tls.key", "is required with store.tls.certificate")
        case (nil, .some):
            problem("store.tls.certificate", "is required with store.tls.key")
        case (.some(let certificate), .some(let key)):
            checkCertificates(certificate, key: "store.tls.certificate")
            checkPrivateKey(key, certificate: certificate)
        }
    }

    /// A password or key file: present, readable, not empty, and private to its owner.
    mutating func checkSecret(_ file: String?, key: String, what: String) {
        guard let file else { return }
        guard FileManager.default.isReadableFile(atPath: file) else {
            problem(key, "cannot read \(file)")
            return
        }
        if let mode = try? SecureFile.mode(of: file), mode & 0o077 != 0 {
            problem(key, "\(file) is readable by group or others (mode \(String(mode, radix: 8))); the \(what) file must be 0600 or 0400")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size == 0 {
            problem(key, "\(file) is empty")
        }
    }

    /// The key-encryption key: base64 (one line) of exactly 32 bytes; never says what the file holds.
    mutating func checkKeyEncryptionKey(_ file: String) {
        guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else { return }  // reported by checkSecret
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let key = Data(base64Encoded: text) else {
            problem("store.keyEncryptionKeyFile", "\(file) does not hold base64 text (make one with `openssl rand -base64 32`)")
            return
        }
        if key.count != Self.keyEncryptionKeyBytes {
            problem("store.keyEncryptionKeyFile", "\(file) holds \(key.count) bytes; a key-encryption key is exactly "
                    + "\(Self.keyEncryptionKeyBytes) bytes (make one with `openssl rand -base64 32`)")
        }
    }

    mutating func checkTiming(_ store: GatewayConfiguration.Store) {
        if let connections = store.maxConnections, !(1...1000).contains(connections) {
            problem("store.maxConnections", "must be between 1 and 1000")
        }
        if let seconds = store.operationTimeoutSeconds, !(seconds > 0) {
            problem("store.operationTimeoutSeconds", "must be positive")
        }
        let heartbeat = store.heartbeatSeconds ?? 1
        let deadAfter = store.nodeDeadAfterSeconds ?? 6
        if !(heartbeat > 0) {
            problem("store.heartbeatSeconds", "must be positive")
        } else if !(deadAfter >= 2 * heartbeat) {
            problem("store.nodeDeadAfterSeconds", "must be at least twice heartbeatSeconds (\(heartbeat)), "
                    + "or a live node that misses one heartbeat loses its leases")
        }
    }

    mutating func checkCertificates(_ file: String, key: String) {
        do {
            let certificates = try CertificateInfo.loadBundle(file: file)
            if certificates.isEmpty { problem(key, "\(file) holds no certificate") }
            for certificate in certificates where certificate.validity() != .valid {
                problem(key, "\(file): certificate '\(certificate.subject)' is not valid now (\(certificate.validity()))")
            }
        } catch {
            problem(key, "\(error)")
        }
    }

    mutating func checkPrivateKey(_ file: String, certificate: String) {
        guard FileManager.default.isReadableFile(atPath: file) else {
            problem("store.tls.key", "cannot read \(file)")
            return
        }
        if let mode = try? SecureFile.mode(of: file), mode & 0o077 != 0 {
            warning("store.tls.key", "\(file) is readable by others (mode \(String(mode, radix: 8))); use 0600")
        }
        guard FileManager.default.isReadableFile(atPath: certificate) else { return }  // reported by checkCertificates
        do {
            if try !KeyCertificatePair.matches(keyFile: file, certificateFile: certificate) {
                problem("store.tls.key", "\(file) does not belong to store.tls.certificate \(certificate) (their public keys differ)")
            }
        } catch {
            problem("store.tls.key", "\(error)")
        }
    }

    /// Whether `host` names this machine: `localhost`, 127.0.0.0/8 or ::1.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
