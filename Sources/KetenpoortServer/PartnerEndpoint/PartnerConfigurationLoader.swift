import Foundation

extension PartnerEndpointConfiguration {
    /// Reads and checks a YAML configuration file (relative paths against its directory); errors name the file and the key.
    public static func load(file path: String) throws -> PartnerEndpointConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PartnerConfigurationError(file: path, key: "", problem: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let configuration: PartnerEndpointConfiguration
        do throws(StrictYAML.Failure) {
            configuration = try StrictYAML.decode(PartnerEndpointConfiguration.self, from: text)
        } catch {
            switch error {
            case .decoding(let decodingError):
                throw describe(decodingError, file: path)
            case .syntax:
                throw PartnerConfigurationError(file: path, key: "", problem: error.syntaxText ?? "not valid YAML")
            case .unknownKeys(let keys):
                let others = keys.count > 1 ? " (and \(keys.count - 1) more unknown: \(keys.dropFirst().map(\.path).joined(separator: ", ")))" : ""
                throw PartnerConfigurationError(file: path, key: keys.first?.path ?? "", problem: (keys.first?.message ?? "unknown key") + others)
            }
        }
        try configuration.check(file: path)
        return configuration.resolvingPaths(againstFileAt: path)
    }

    /// Checks values the types cannot express.
    public func check(file: String = "configuration") throws {
        let fail = { (key: String, problem: String) in PartnerConfigurationError(file: file, key: key, problem: problem) }
        if partner.isEmpty { throw fail("partner", "must not be empty") }
        if oin.count != 20 || !oin.allSatisfy({ ("0"..."9").contains($0) }) {
            throw fail("oin", "must be exactly 20 digits (quote it in YAML so leading zeros stay)")
        }
        if organisationalUnit.isEmpty || organisationalUnit.count > 100 {
            throw fail("organisationalUnit", "must be 1 to 100 characters")
        }
        if !(0...65_535).contains(listen.port) { throw fail("listen.port", "must be between 0 and 65535") }
        if tls.trustedCAs.isEmpty { throw fail("tls.trustedCAs", "needs at least one CA file") }
        if gateway.trustedCAs.isEmpty { throw fail("gateway.trustedCAs", "needs at least one CA file") }
        if gateway.signerOINs.isEmpty { throw fail("gateway.signerOINs", "needs at least one OIN") }
        if inbox.isEmpty { throw fail("inbox", "must name a directory") }
        if let limit = maxMessageBytes, limit < 1024 { throw fail("maxMessageBytes", "must be at least 1024") }
        if let clients = gateway.clientOINs, clients.isEmpty { throw fail("gateway.clientOINs", "needs at least one OIN, or leave it out") }
        if let problem = (limits ?? .standard).problems(prefix: "limits").first {
            throw fail(String(problem.prefix { $0 != ":" }), String(problem.drop { $0 != ":" }.dropFirst(2)))
        }
    }

    private static func describe(_ error: DecodingError, file: String) -> PartnerConfigurationError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            (codingPath + (last.map { [$0] } ?? [])).map { key in
                key.intValue.map { "[\($0)]" } ?? key.stringValue
            }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return PartnerConfigurationError(file: file, key: path(context.codingPath, key), problem: "required key is missing")
        case .typeMismatch(let type, let context):
            return PartnerConfigurationError(file: file, key: path(context.codingPath), problem: "expected \(type)")
        case .valueNotFound(let type, let context):
            return PartnerConfigurationError(file: file, key: path(context.codingPath), problem: "expected \(type), found nothing")
        case .dataCorrupted(let context):
            return PartnerConfigurationError(file: file, key: path(context.codingPath), problem: context.debugDescription)
        @unknown default:
            return PartnerConfigurationError(file: file, key: "", problem: "cannot be decoded")
        }
    }
}
