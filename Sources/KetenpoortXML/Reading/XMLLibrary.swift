internal import CXMLSecShim

/// One-time initialisation of libxml2 and xmlsec1, done before the first use of either.
enum XMLLibrary {
    /// True when libxml2, xmlsec1 and its OpenSSL engine are initialised.
    static let ready: Bool = kp_init() == 0

    /// Throws when the libraries could not be initialised (a broken installation).
    static func ensureReady() throws(XMLLibraryError) {
        guard ready else { throw XMLLibraryError.initialisationFailed }
    }
}

/// The XML or signature libraries could not be used at all.
public enum XMLLibraryError: Error, Sendable, CustomStringConvertible {
    /// libxml2 or xmlsec1 (OpenSSL engine) failed to initialise; check the installation.
    case initialisationFailed

    /// Explanation for operators.
    public var description: String {
        "libxml2/xmlsec1 (OpenSSL) failed to initialise: check that libxmlsec1-openssl is installed"
    }
}
