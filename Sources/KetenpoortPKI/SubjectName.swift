import SwiftASN1
import X509

/// The subject (or issuer) name of a certificate in the shape PKIoverheid uses: C, O, OU, serialNumber (OIN), CN.
public struct SubjectName: Sendable, Equatable, Codable {
    /// The country code (`C`), e.g. `NL`.
    public var country: String
    /// The organisation name (`O`).
    public var organization: String
    /// The organisational unit (`OU`), if any.
    public var organizationalUnit: String?
    /// The common name (`CN`).
    public var commonName: String
    /// The OIN put in the `serialNumber` attribute (OID 2.5.4.5), if any; not validated, so tests can build bad ones.
    public var oin: String?

    /// Creates a subject name from its parts.
    public init(
        country: String = "NL",
        organization: String,
        organizationalUnit: String? = nil,
        commonName: String,
        oin: String? = nil
    ) {
        self.country = country
        self.organization = organization
        self.organizationalUnit = organizationalUnit
        self.commonName = commonName
        self.oin = oin
    }

    /// The X.509 distinguished name: C, O, OU (UTF8String), serialNumber (PrintableString), CN (UTF8String).
    public func distinguishedName() throws -> DistinguishedName {
        var attributes: [RelativeDistinguishedName.Attribute] = []
        attributes.append(try .init(type: .RDNAttributeType.countryName, printableString: country))
        attributes.append(.init(type: .RDNAttributeType.organizationName, utf8String: organization))
        if let organizationalUnit {
            attributes.append(.init(type: .RDNAttributeType.organizationalUnitName, utf8String: organizationalUnit))
        }
        if let oin {
            attributes.append(try .init(type: OIN.subjectAttributeType, printableString: oin))
        }
        attributes.append(.init(type: .RDNAttributeType.commonName, utf8String: commonName))
        return DistinguishedName(attributes.map { RelativeDistinguishedName($0) })
    }
}
