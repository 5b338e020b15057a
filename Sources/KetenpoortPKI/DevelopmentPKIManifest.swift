import Foundation

/// The contents of `parties.json`: the CA files and, per party, its OIN and file names.
public struct DevelopmentPKIManifest: Sendable, Codable, Equatable {
    /// One party's entry in the manifest.
    public struct Party: Sendable, Codable, Equatable {
        /// Short name, e.g. `politie-rotterdam`.
        public var name: String
        /// Organisation name.
        public var organisation: String
        /// Invented OIN.
        public var oin: String
        /// Role in the chain.
        public var role: PartyRole
        /// TLS certificate file name (relative to the directory).
        public var tlsCertificate: String
        /// TLS private key file name.
        public var tlsKey: String
        /// Signing certificate file name.
        public var signingCertificate: String
        /// Signing private key file name.
        public var signingKey: String
        /// Key type of the signing key.
        public var signingKeyType: KeyType
    }

    /// A reminder that nothing here is a production key.
    public var warning: String
    /// When the PKI was created.
    public var created: Date
    /// CA certificate file name.
    public var caCertificate: String
    /// CA private key file name.
    public var caKey: String
    /// The parties, gateway first.
    public var parties: [Party]

    /// The entry for a party by short name, or nil.
    public func party(named name: String) -> Party? {
        parties.first { $0.name == name }
    }

    /// The entry for a party by OIN, or nil.
    public func party(oin: String) -> Party? {
        parties.first { $0.oin == oin }
    }

    /// The manifest as pretty-printed JSON with ISO 8601 dates.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// Reads `parties.json`, with an error naming the file.
    public static func load(file path: String) throws -> DevelopmentPKIManifest {
        let bytes = try SecureFile.read(path)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(DevelopmentPKIManifest.self, from: Data(bytes))
        } catch {
            throw PKIError.unreadableFile(path: path, reason: "not a valid parties.json: \(error)")
        }
    }
}
