import Foundation
import KetenpoortCore
import KetenpoortPKI
import KetenpoortXML

/// Checks a decoded configuration deeply: files load, values make sense, routes lead somewhere.
public struct ConfigurationCheck {
    /// Problems that stop the gateway from starting.
    public private(set) var problems: [ConfigurationProblem] = []
    /// Things that work but deserve attention (e.g. a region without a partner).
    public private(set) var warnings: [ConfigurationProblem] = []

    /// Runs every check.
    public init(_ configuration: GatewayConfiguration, kinds: [MessageKind] = Version1Kinds.all) {
        checkIdentity(configuration)
        checkListeners(configuration)
        checkTLS(configuration.intake.tls, key: "intake.tls")
        checkTLS(configuration.courier.tls, key: "courier.tls")
        checkSigning(configuration)
        for (index, file) in configuration.courier.receiptTrustedCAs.enumerated() {
            checkCertificates(file, key: "courier.receiptTrustedCAs[\(index)]")
        }
        checkPartners(configuration)
        checkSenders(configuration, kinds: kinds)
        checkRouting(configuration)
        checkRetry(configuration.retry)
        checkRetention(configuration, kinds: kinds)
        problems += Self.stateDirectoryProblems(configuration)
        problems += Self.witnessProblems(configuration)
        problems += Self.auditProblems(configuration)
        let store = Self.storeFindings(configuration)
        problems += store.problems
        warnings += store.warnings
        let revocation = Self.revocationFindings(configuration)
        problems += revocation.problems
        warnings += revocation.warnings
        let request = configuration.courier.requestTimeoutSeconds ?? 30
        if let lease = configuration.courier.leaseSeconds, lease <= request {
            problem("courier.leaseSeconds", "must be longer than requestTimeoutSeconds (\(request))")
        }
        if let schemas = configuration.schemaDirectory {
            do { _ = try MessageKindRegistry(kinds: kinds, schemaDirectory: URL(fileURLWithPath: schemas)) } catch {
                problem("schemaDirectory", "\(error)")
            }
        }
    }

    private mutating func problem(_ key: String, _ text: String) {
        problems.append(ConfigurationProblem(key: key, problem: text))
    }

    private mutating func warning(_ key: String, _ text: String) {
        warnings.append(ConfigurationProblem(key: key, problem: text))
    }

    private mutating func checkIdentity(_ configuration: GatewayConfiguration) {
        if !OIN.isValid(configuration.gateway.oin) { problem("gateway.oin", "must be 20 digits") }
        if configuration.stateDirectory.isEmpty { problem("stateDirectory", "must not be empty") }
    }

    private mutating func checkListeners(_ configuration: GatewayConfiguration) {
        for (key, port) in [("intake.port", configuration.intake.port), ("admin.port", configuration.admin.port)]
        where !(0...65535).contains(port) {
            problem(key, "must be between 0 and 65535")
        }
        if let max = configuration.intake.maxMessageBytes, max < 1024 || max > 64 << 20 {
            problem("intake.maxMessageBytes", "must be between 1 KiB and 64 MiB")
        }
        let limits = configuration.intake.effectiveLimits
        for line in limits.problems(prefix: "intake.limits") {
            problem(String(line.prefix { $0 != ":" }), String(line.drop { $0 != ":" }.dropFirst(2)))
        }
        if let descriptors = FileDescriptorLimit.current(), descriptors.hard < UInt64(limits.descriptorsNeeded) {
            warning("intake.limits.maxConnections",
                    "needs about \(limits.descriptorsNeeded) open files, but this process may open at most \(descriptors.hard) (ulimit -Hn)")
        }
        if !["127.0.0.1", "::1", "localhost"].contains(configuration.admin.host) {
            warning("admin.host", "the admin listener (metrics, health) is reachable beyond this machine")
        }
    }

    private mutating func checkTLS(_ files: TLSFiles, key: String) {
        checkCertificates(files.certificate, key: "\(key).certificate")
        checkReadableKey(files.privateKey, key: "\(key).privateKey")
        checkPair(files.privateKey, files.certificate, key: key)
        if files.trustedCAs.isEmpty { problem("\(key).trustedCAs", "must name at least one CA file") }
        for (index, file) in files.trustedCAs.enumerated() {
            checkCertificates(file, key: "\(key).trustedCAs[\(index)]")
        }
    }

    private mutating func checkSigning(_ configuration: GatewayConfiguration) {
        checkCertificates(configuration.signing.certificate, key: "signing.certificate")
        guard let privateKey = configuration.signing.privateKey, configuration.signing.pkcs11 == nil else {
            problems += Self.tokenSigningProblems(configuration.signing)
            warnings += Self.tokenSigningWarnings(configuration.signing)
            checkDocumentSigning(configuration)
            return
        }
        checkReadableKey(privateKey, key: "signing.privateKey")
        checkPair(privateKey, configuration.signing.certificate, key: "signing")
        checkDocumentSigning(configuration)
        do {
            _ = try XMLSigner(keyFile: URL(fileURLWithPath: privateKey),
                              certificateFile: URL(fileURLWithPath: configuration.signing.certificate))
        } catch {
            problem("signing", "\(error)")
        }
    }

    private mutating func checkDocumentSigning(_ configuration: GatewayConfiguration) {
        // Partners refuse a message signed with a certificate meant for TLS (KP-G012): refuse it here, not at every delivery.
        if let signer = try? CertificateInfo.loadBundle(file: configuration.signing.certificate).first, !signer.maySignMessages {
            problem("signing.certificate", "is not a document-signing certificate (keyUsage digitalSignature or nonRepudiation, "
                    + "and no TLS-only extended key usage); partners would refuse every message")
        }
    }

    private mutating func checkCertificates(_ file: String, key: String) {
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

    /// A key that is not the certificate's own would sign (or handshake) with something every partner rejects.
    private mutating func checkPair(_ keyFile: String, _ certificateFile: String, key: String) {
        guard FileManager.default.isReadableFile(atPath: keyFile), FileManager.default.isReadableFile(atPath: certificateFile) else {
            return  // reported by the file checks
        }
        do {
            if try !KeyCertificatePair.matches(keyFile: keyFile, certificateFile: certificateFile) {
                problem("\(key).privateKey", "\(keyFile) does not belong to \(key).certificate \(certificateFile) (their public keys differ)")
            }
        } catch {
            problem("\(key).privateKey", "\(error)")
        }
    }

    /// The retention period per kind that can be sent, in days counted from receipt (configured, else the kind's default).
    public static func retentionDays(_ configuration: GatewayConfiguration, kinds: [MessageKind] = Version1Kinds.all) -> [(kind: String, days: Int)] {
        kinds.filter { $0.routing != nil }.map { ($0.name, configuration.retentionDays?[$0.name] ?? $0.retentionDays) }
    }

    /// Retention counts from receipt and is a hard bound: it must outlast the retry budget, or deliveries fail early.
    private mutating func checkRetention(_ configuration: GatewayConfiguration, kinds: [MessageKind]) {
        let known = Set(kinds.map(\.name))
        for (kind, days) in (configuration.retentionDays ?? [:]).sorted(by: { $0.key < $1.key }) {
            if !known.contains(kind) { problem("retentionDays.\(kind)", "'\(kind)' is not a message kind") }
            if days < 1 { problem("retentionDays.\(kind)", "must be at least 1 day") }
        }
        let retryHours = DeliveryRetryPolicy(configuration.retry).maxAge / 3600
        for (kind, days) in Self.retentionDays(configuration, kinds: kinds) where days >= 1 && Double(days) * 24 <= retryHours {
            problem("retentionDays.\(kind)", "\(days) days from receipt ends before retry.maxAgeHours (\(Int(retryHours)) h): "
                + "deliveries still being retried would fail with retention-expired")
        }
    }

    private mutating func checkReadableKey(_ file: String, key: String) {
        guard FileManager.default.isReadableFile(atPath: file) else {
            problem(key, "cannot read \(file)")
            return
        }
        if let mode = try? SecureFile.mode(of: file), mode & 0o077 != 0 {
            warning(key, "\(file) is readable by others (mode \(String(mode, radix: 8))); use 0600")
        }
    }

    private mutating func checkPartners(_ configuration: GatewayConfiguration) {
        if configuration.partners.isEmpty { problem("partners", "at least one partner is needed") }
        var seen: Set<String> = []
        for (index, partner) in configuration.partners.enumerated() {
            let key = "partners[\(index)]"
            if !seen.insert(partner.id).inserted { problem("\(key).id", "'\(partner.id)' is listed twice") }
            if !OIN.isValid(partner.oin) { problem("\(key).oin", "must be 20 digits") }
            if let url = URL(string: partner.endpoint), url.scheme == "https", url.host != nil {
            } else {
                problem("\(key).endpoint", "must be an https:// URL")
            }
            if partner.signingCertificates.isEmpty { problem("\(key).signingCertificates", "must name at least one certificate") }
            for (certificateIndex, file) in partner.signingCertificates.enumerated() {
                checkCertificates(file, key: "\(key).signingCertificates[\(certificateIndex)]")
            }
            if let concurrency = partner.concurrency, !(1...256).contains(concurrency) {
                problem("\(key).concurrency", "must be between 1 and 256")
            }
        }
        if !seen.contains("shn") { warning("partners", "no partner 'shn': victim referrals cannot be delivered") }
    }

    private mutating func checkSenders(_ configuration: GatewayConfiguration, kinds: [MessageKind]) {
        let routable = Set(kinds.filter { $0.routing != nil }.map(\.name))
        for (index, sender) in configuration.senders.enumerated() {
            if !OIN.isValid(sender.oin) { problem("senders[\(index)].oin", "must be 20 digits") }
            for kind in sender.kinds where !routable.contains(kind) {
                problem("senders[\(index)].kinds", "'\(kind)' is not a kind that can be sent (known: \(routable.sorted().joined(separator: ", ")))")
            }
        }
        if configuration.senders.isEmpty { warning("senders", "no senders: every message will be refused") }
    }

    private mutating func checkRouting(_ configuration: GatewayConfiguration) {
        do {
            let table = try MunicipalityRegions(contentsOf: URL(fileURLWithPath: configuration.routing.municipalities))
            let partners = Set(configuration.partners.map(\.id))
            let missing = table.regionIds.subtracting(partners).sorted()
            if !missing.isEmpty {
                warning("routing.municipalities", "regions without a partner (their zorgmeldingen are refused at intake): \(missing.joined(separator: ", "))")
            }
        } catch {
            problem("routing.municipalities", "\(error)")
        }
    }

    private mutating func checkRetry(_ retry: GatewayConfiguration.RetryPolicy) {
        let policy = DeliveryRetryPolicy(retry)
        if policy.initialDelay <= 0 { problem("retry.initialDelaySeconds", "must be positive") }
        if policy.maxDelay < policy.initialDelay { problem("retry.maxDelaySeconds", "must not be below initialDelaySeconds") }
        if policy.maxAge <= policy.initialDelay { problem("retry.maxAgeHours", "must be longer than the first delay") }
        if !(0...1).contains(policy.jitter) { problem("retry.jitter", "must be between 0 and 1") }
    }
}
