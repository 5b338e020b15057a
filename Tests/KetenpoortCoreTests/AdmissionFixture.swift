import Foundation
import KetenpoortCore
import KetenpoortXML

/// A real admission pipeline over the repository's schemas, signing with a key made by the openssl tool.
enum AdmissionFixture {
    /// The signing certificate (PEM), also usable as the verifier's trust anchor.
    struct Material {
        let certificatePEM: Data
        let signer: XMLSigner
    }

    /// A self-issued document-signing certificate and its key, made once per test run.
    static let material: Result<Material, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kp-core-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = directory.appendingPathComponent("key.pem")
        let certificate = directory.appendingPathComponent("cert.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                             "-keyout", key.path, "-out", certificate.path, "-days", "2",
                             "-subj", "/O=Ketenpoort test/CN=TEST ONLY gateway/serialNumber=00000099000000000900",
                             "-addext", "keyUsage=critical,digitalSignature", "-addext", "extendedKeyUsage=1.3.6.1.5.5.7.3.36"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
        return Material(certificatePEM: try Data(contentsOf: certificate),
                        signer: try XMLSigner(keyFile: key, certificateFile: certificate))
    }

    /// The pipeline: every sender OIN of the examples may send both intake kinds; every partner is deliverable.
    static func pipeline() throws -> AdmissionPipeline {
        let validator = try CoreFixtures.validator.get()
        let kinds: Set<String> = ["Zorgmelding", "Slachtofferverwijzing"]
        let senders = SenderPolicy(Dictionary(uniqueKeysWithValues: (1...4).map { ("0000009900000000000\($0)", kinds) }))
        let partners = validator.routingTable.regionIds.union(["shn"])
        return AdmissionPipeline(validator: validator, senders: senders, signer: try material.get().signer,
                                 deliverablePartners: partners)
    }

    /// The sender OIN in an example's header.
    static func sender(of text: String) -> String {
        guard let range = text.range(of: #"(?<=<kop:OIN>)[0-9]{20}"#, options: .regularExpression) else { return "" }
        return String(text[range])
    }
}
