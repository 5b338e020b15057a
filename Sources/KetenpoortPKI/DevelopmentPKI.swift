import Foundation

/// A development PKI in a directory: a CA, and TLS and signing certificates for every party. Never for production.
public struct DevelopmentPKI: Sendable {
    /// Choices for creating a development PKI.
    public struct Options: Sendable {
        /// Key type of the CA (RSA-3072 by default).
        public var caKeyType: KeyType = .rsa3072
        /// Key type of the TLS certificates (RSA-2048 by default).
        public var tlsKeyType: KeyType = .rsa2048
        /// Key type of the signing certificates (RSA-2048 by default; `.p256` for ECDSA).
        public var signingKeyType: KeyType = .rsa2048
        /// Validity of the CA in days (5 years by default).
        public var caValidityDays: Int = 5 * 365 + 1
        /// Validity of the leaf certificates in days.
        public var leafValidityDays: Int = 365
        /// Whether an existing development PKI in the directory may be overwritten.
        public var overwrite: Bool = false
        /// The parties to issue certificates for.
        public var parties: [DevelopmentParty] = DevelopmentParty.all
        /// The moment validity is counted from.
        public var now: Date = Date()

        /// Default options: RSA everywhere, all parties, no overwrite.
        public init() {}
    }

    /// The file name of the CA certificate.
    public static let caCertificateFile = "ca.pem"
    /// The file name of the CA private key.
    public static let caKeyFile = "ca-key.pem"
    /// The file name of the manifest.
    public static let manifestFile = "parties.json"

    /// The directory holding the files.
    public let directory: String
    /// The manifest (`parties.json`).
    public let manifest: DevelopmentPKIManifest
    /// The CA, which can issue further certificates (e.g. expired ones for tests).
    public let authority: CertificateAuthority

    /// The full path of a file in the directory.
    public func path(_ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }

    /// Creates the CA and all party certificates in `directory`; refuses to overwrite unless `options.overwrite`.
    public static func create(in directory: String, options: Options = Options()) throws -> DevelopmentPKI {
        try prepare(directory: directory, overwrite: options.overwrite)
        let caSubject = SubjectName(
            organization: "Ketenpoort Development",
            organizationalUnit: DevelopmentParty.developmentUnit,
            commonName: "DEVELOPMENT ONLY – Ketenpoort Development CA"
        )
        let authority = try CertificateAuthority.create(
            subject: caSubject, keyType: options.caKeyType,
            validity: .days(options.caValidityDays, from: options.now)
        )
        let join = { (file: String) in (directory as NSString).appendingPathComponent(file) }
        try authority.issued.write(certificateTo: join(caCertificateFile), keyTo: join(caKeyFile))

        var entries: [DevelopmentPKIManifest.Party] = []
        let validity = ValidityPeriod.days(options.leafValidityDays, from: options.now)
        for party in options.parties {
            let entry = DevelopmentPKIManifest.Party(
                name: party.name, organisation: party.organisation, oin: party.oin, role: party.role,
                tlsCertificate: "\(party.name)-tls.pem", tlsKey: "\(party.name)-tls-key.pem",
                signingCertificate: "\(party.name)-sign.pem", signingKey: "\(party.name)-sign-key.pem",
                signingKeyType: options.signingKeyType
            )
            let tls = try authority.issue(
                .tls(subject: party.subject(purpose: "TLS"), keyType: options.tlsKeyType, validity: validity))
            try tls.write(certificateTo: join(entry.tlsCertificate), keyTo: join(entry.tlsKey))
            let signing = try authority.issue(
                .signing(subject: party.subject(purpose: "signing"), keyType: options.signingKeyType, validity: validity))
            try signing.write(certificateTo: join(entry.signingCertificate), keyTo: join(entry.signingKey))
            entries.append(entry)
        }

        let manifest = DevelopmentPKIManifest(
            warning: "DEVELOPMENT ONLY: invented OINs and keys for local testing; never use in production.",
            created: Date(timeIntervalSince1970: options.now.timeIntervalSince1970.rounded(.down)),
            caCertificate: caCertificateFile, caKey: caKeyFile, parties: entries
        )
        let json = String(decoding: try manifest.jsonData(), as: UTF8.self) + "\n"
        try SecureFile.write(json, to: join(manifestFile), mode: 0o644)
        return DevelopmentPKI(directory: directory, manifest: manifest, authority: authority)
    }

    /// Loads an existing development PKI (manifest and CA key) from `directory`.
    public static func load(from directory: String) throws -> DevelopmentPKI {
        let join = { (file: String) in (directory as NSString).appendingPathComponent(file) }
        let manifest = try DevelopmentPKIManifest.load(file: join(manifestFile))
        let authority = try CertificateAuthority.load(
            certificateFile: join(manifest.caCertificate), keyFile: join(manifest.caKey))
        return DevelopmentPKI(directory: directory, manifest: manifest, authority: authority)
    }

    /// Whether `directory` already holds (part of) a development PKI.
    public static func exists(in directory: String) -> Bool {
        [caCertificateFile, caKeyFile, manifestFile].contains {
            FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
        }
    }

    /// Creates the directory if needed and checks that nothing would be overwritten unintentionally.
    private static func prepare(directory: String, overwrite: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PKIError.unwritableFile(path: directory, reason: "exists and is not a directory")
            }
            if !overwrite && exists(in: directory) {
                throw PKIError.alreadyExists(path: directory)
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw PKIError.unwritableFile(path: directory, reason: error.localizedDescription)
            }
        }
    }
}
