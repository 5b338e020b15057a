import KetenpoortPKI

extension TLSPolicyError {
    /// The error for a configuration the TLS library refused, in words: a key that is not the certificate's is
    /// said so; any other refusal is reported without the library's internal error text.
    static func rejection(of files: TLSFiles, _ error: any Error) -> TLSPolicyError {
        let detail: String
        if (try? KeyCertificatePair.matches(keyFile: files.privateKey, certificateFile: files.certificate)) == false {
            detail = "the private key does not belong to the certificate (their public keys differ)"
        } else {
            detail = "the TLS library cannot use this certificate and key (\(Self.libraryReason(error)))"
        }
        return .rejectedByTLSLibrary(certificate: files.certificate, privateKey: files.privateKey, detail: detail)
    }

    /// The error's name without BoringSSL's file and line (`at /build/…/file.cc:123`).
    private static func libraryReason(_ error: any Error) -> String {
        let text = String(describing: error)
        let name = text.prefix { $0 != "(" && $0 != ":" }
        return name.isEmpty ? "unknown reason" : String(name)
    }
}
