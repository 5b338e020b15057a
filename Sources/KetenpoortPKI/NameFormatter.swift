import SwiftASN1
import X509

/// Formats distinguished names as RFC 4514 strings and reads single attributes from them.
public enum NameFormatter {
    /// RFC 4514 string, most specific RDN first, e.g. `CN=…,serialNumber=…,O=…,C=NL` (as `openssl -nameopt RFC2253`).
    public static func rfc4514(_ name: DistinguishedName) -> String {
        name.reversed().map { rdn in
            rdn.map { attribute in "\(shortName(attribute.type))=\(attribute.value)" }.joined(separator: "+")
        }.joined(separator: ",")
    }

    /// All string values of attributes of `type` in the name, in encoding order.
    public static func values(of type: ASN1ObjectIdentifier, in name: DistinguishedName) -> [String] {
        name.flatMap { rdn in
            rdn.filter { $0.type == type }.map { String($0.value) ?? String(describing: $0.value) }
        }
    }

    /// The short name for an attribute type (OpenSSL's spelling), or its dotted OID.
    static func shortName(_ type: ASN1ObjectIdentifier) -> String {
        switch type {
        case .RDNAttributeType.commonName: return "CN"
        case .RDNAttributeType.countryName: return "C"
        case .RDNAttributeType.localityName: return "L"
        case .RDNAttributeType.stateOrProvinceName: return "ST"
        case .RDNAttributeType.organizationName: return "O"
        case .RDNAttributeType.organizationalUnitName: return "OU"
        case .RDNAttributeType.streetAddress: return "street"
        case .RDNAttributeType.domainComponent: return "DC"
        case .RDNAttributeType.emailAddress: return "emailAddress"
        case OIN.subjectAttributeType: return "serialNumber"
        case [2, 5, 4, 97]: return "organizationIdentifier"
        default: return String(describing: type)
        }
    }
}
