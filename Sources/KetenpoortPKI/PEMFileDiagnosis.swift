import Foundation

/// Says in words why a file's bytes are not the certificate or private key that was expected, from what the
/// file holds (empty, binary, another PEM block, encrypted, damaged base64), so no parser's internal error text
/// or build path reaches an operator.
public enum PEMFileDiagnosis {
    /// Why `bytes` are not a usable X.509 certificate (PEM or DER).
    public static func certificateProblem(in bytes: [UInt8]) -> String {
        if let common = commonProblem(in: bytes, expected: "a certificate") { return common }
        let blocks = pemBlockLabels(in: bytes)
        if !blocks.isEmpty, !blocks.contains("CERTIFICATE") {
            return "holds \(describe(blocks)), not a certificate ('BEGIN CERTIFICATE')"
        }
        return "its certificate is damaged or truncated (the contents are not a valid X.509 structure)"
    }

    /// Why DER bytes (a DER file, or the body of a PEM block) are not a usable X.509 certificate.
    public static func derCertificateProblem(in bytes: [UInt8]) -> String {
        if bytes.first == 0x30 { return "its certificate is damaged or truncated (the contents are not a valid X.509 structure)" }
        return certificateProblem(in: bytes)
    }

    /// Why `bytes` are not a usable private key (PEM).
    public static func privateKeyProblem(in bytes: [UInt8]) -> String {
        if let common = commonProblem(in: bytes, expected: "a private key") { return common }
        let blocks = pemBlockLabels(in: bytes)
        if blocks.contains("ENCRYPTED PRIVATE KEY") || String(decoding: bytes, as: UTF8.self).contains("Proc-Type: 4,ENCRYPTED") {
            return "the private key is encrypted with a passphrase, which is not supported; decrypt it with 'openssl pkey -in KEY -out KEY.pem'"
        }
        if !blocks.isEmpty, !blocks.contains(where: { $0.hasSuffix("PRIVATE KEY") }) {
            return "holds \(describe(blocks)), not a private key ('BEGIN PRIVATE KEY')"
        }
        return "its private key is damaged or truncated, or of a kind that is not supported (RSA 2048+ or EC P-256 expected)"
    }

    private static func commonProblem(in bytes: [UInt8], expected: String) -> String? {
        if bytes.isEmpty { return "the file is empty; expected \(expected) in PEM" }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN ") else {
            let printable = bytes.prefix(512).allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32..<127).contains($0) }
            return printable
                ? "not PEM (no '-----BEGIN' line); expected \(expected)"
                : "a binary file that is neither PEM nor DER \(expected == "a certificate" ? "X.509" : "key data"); expected \(expected) in PEM"
        }
        if !text.contains("-----END ") { return "the PEM block has no '-----END' line (truncated?)" }
        if damagedBase64(text) { return "the PEM block is damaged: its body is not valid base64" }
        return nil
    }

    /// The labels of the PEM blocks in the text, e.g. `CERTIFICATE`, `PRIVATE KEY`.
    static func pemBlockLabels(in bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { line in
            guard line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") else { return nil }
            return String(line.dropFirst("-----BEGIN ".count).dropLast(5))
        }
    }

    private static func describe(_ labels: [String]) -> String {
        let unique = labels.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return unique.map { "a '\($0)' block" }.joined(separator: " and ")
    }

    /// Whether a PEM body line (between BEGIN and END, not a header) holds characters that are not base64.
    private static func damagedBase64(_ text: String) -> Bool {
        var inside = false
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("-----BEGIN ") { inside = true; continue }
            if line.hasPrefix("-----END ") { inside = false; continue }
            guard inside, !line.contains(":") else { continue }
            if line.contains(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=")) }) { return true }
        }
        return false
    }
}
