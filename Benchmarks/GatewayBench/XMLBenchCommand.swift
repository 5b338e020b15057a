import ArgumentParser
import Foundation
import KetenpoortCommandLine
import KetenpoortCore
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortXML

/// `ketenpoort-bench xml`: validation, signing and verification rates per core, next to `openssl speed`.
struct XMLBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xml",
        abstract: "Validation, signing and verification per second per core for a ~10 KB zorgmelding.",
        discussion: HelpText.flowing("""
            Runs each operation on one thread for --seconds, then `openssl speed -seconds N rsa2048 ecdsap256`
            (one core) so the rates can be compared on the same machine in the same run. With a key in a PKCS#11
            token (--pkcs11-… options, or --config with signing.pkcs11) it also measures signing through the token,
            next to the same operations with a key file.

            Examples:
              .build/release/ketenpoort-bench xml --seconds 5 --json
              ketenpoort-bench xml --config /etc/ketenpoort/gateway.yaml
            """)
    )

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 3

    @Option(help: "Message to use (default Examples/valid/zorgmelding-10kb.xml).")
    var message: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var contract: ContractOptions

    @OptionGroup var token: Pkcs11BenchOptions

    func run() async throws {
        let validator = try contract.makeValidator()
        let path = message ?? (ResourceLocation.find("Examples/valid/zorgmelding-10kb.xml")?.path ?? "Examples/valid/zorgmelding-10kb.xml")
        guard let bytes = FileManager.default.contents(atPath: path) else {
            printError("error: cannot read \(path)")
            throw ExitCode(2)
        }
        let keys = try BenchKeys()
        var rows: [BenchRow] = []
        rows.append(BenchRow(name: "read only (parse + limits)", rate: try measure { _ = try SafeXMLReader().read(bytes) }))
        rows.append(BenchRow(name: "validate (parse + XSD + rules + route)", rate: try measure { _ = try validator.validate(bytes) }))
        for (name, signer) in [("RSA-2048", keys.rsa), ("ECDSA P-256", keys.ecdsa)] {
            let signed = try signer.sign(bytes)
            rows.append(BenchRow(name: "sign \(name) (parse + C14N + sign + serialise)", rate: try measure { _ = try signer.sign(bytes) }))
            rows.append(BenchRow(name: "verify \(name) (parse + profile + chain + verify)", rate: try measure { _ = try keys.verifier.verify(signed) }))
        }
        rows += try tokenRows(bytes)
        let openssl = OpenSSLSpeed.run(seconds: max(1, Int(seconds)))
        rows.append(BenchRow(name: "openssl speed rsa2048 sign", rate: openssl.rsaSign))
        rows.append(BenchRow(name: "openssl speed rsa2048 verify", rate: openssl.rsaVerify))
        rows.append(BenchRow(name: "openssl speed ecdsap256 sign", rate: openssl.ecdsaSign))
        rows.append(BenchRow(name: "openssl speed ecdsap256 verify", rate: openssl.ecdsaVerify))
        let rsaRatio = ratio(rows.first { $0.name.hasPrefix("sign RSA") }?.rate, openssl.rsaSign)
        let report = XMLBenchReport(message: path, messageBytes: bytes.count, secondsPerMeasurement: seconds, rows: rows,
                                    rsaSignRatioToOpenSSL: rsaRatio)
        if json {
            try printJSON(report)
        } else {
            print("message: \(path) (\(bytes.count) bytes), one thread, \(seconds) s each")
            for row in rows {
                print(row.name.padding(toLength: 56, withPad: " ", startingAt: 0) + String(format: "%10.0f /s", row.rate ?? 0))
            }
            if let rsaRatio { print(String(format: "RSA-2048 signing: %.0f%% of openssl's raw rate", rsaRatio * 100)) }
        }
    }

    /// Signing rates through the PKCS#11 token, if one is named: a whole message and a bare checkpoint signature,
    /// next to a checkpoint signature with a file key of the same type.
    private func tokenRows(_ bytes: Data) throws -> [BenchRow] {
        guard let settings = try token.settings() else { return [] }
        let keys = try SigningKeys(settings)
        let name = keys.messageSigner.algorithm == .rsaSHA256 ? "RSA" : "ECDSA P-256"
        let digest = Data(repeating: 0x5A, count: 64)
        let fileKey = try SoftwareCheckpointSigner(pem: try KeyPair(name == "RSA" ? .rsa2048 : .p256).pkcs8PEM)
        return [
            BenchRow(name: "sign \(name) token key (parse + C14N + sign + serialise)",
                     rate: try measure { _ = try keys.messageSigner.sign(bytes) }),
            BenchRow(name: "checkpoint signature \(name) token key", rate: try measure { _ = try keys.checkpointSigner.sign(digest) }),
            BenchRow(name: "checkpoint signature \(name) key file", rate: try measure { _ = try fileKey.sign(digest) }),
        ]
    }

    /// Operations per second of `body` on this thread over `seconds`.
    private func measure(_ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<20 { try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var count = 0
        var now = start
        while now < deadline {
            for _ in 0..<10 { try body() }
            count += 10
            now = DispatchTime.now().uptimeNanoseconds
        }
        return Double(count) / (Double(now - start) / 1e9)
    }

    private func ratio(_ ours: Double?, _ theirs: Double?) -> Double? {
        guard let ours, let theirs, theirs > 0 else { return nil }
        return ours / theirs
    }
}

/// One measured rate.
struct BenchRow: Encodable {
    let name: String
    let rate: Double?
}

/// The whole XML benchmark result.
struct XMLBenchReport: Encodable {
    let message: String
    let messageBytes: Int
    let secondsPerMeasurement: Double
    let rows: [BenchRow]
    let rsaSignRatioToOpenSSL: Double?
}

/// Throw-away keys for the benchmark, made in memory.
struct BenchKeys {
    let rsa: XMLSigner
    let ecdsa: XMLSigner
    let verifier: SignatureVerifier

    init() throws {
        let ca = try CertificateAuthority.create(subject: SubjectName(organization: "Ketenpoort bench", commonName: "BENCH ONLY CA"),
                                                 keyType: .rsa2048)
        func signer(_ keyType: KeyType) throws -> XMLSigner {
            let issued = try ca.issue(.signing(subject: SubjectName(organization: "Bench", commonName: "BENCH ONLY signer",
                                                                    oin: "00000099000000000999"), keyType: keyType))
            return try XMLSigner(privateKeyPEM: Data(issued.privateKeyPEM.utf8), certificatePEM: Data(try issued.certificatePEM().utf8))
        }
        rsa = try signer(.rsa2048)
        ecdsa = try signer(.p256)
        verifier = try SignatureVerifier(trustAnchorsPEM: Data(try ca.issued.certificatePEM().utf8))
    }
}
