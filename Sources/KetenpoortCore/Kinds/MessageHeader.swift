import KetenpoortXML

/// The shared header (`Berichtkop`) of every message, read after schema validation.
public struct MessageHeader: Sendable, Hashable, Codable {
    /// Message id (lowercase UUID).
    public let messageId: String
    /// `Berichtsoort`, e.g. `Zorgmelding`.
    public let kind: String
    /// Contract version, e.g. `1.0`.
    public let version: String
    /// OIN of the sending organisation.
    public let senderOIN: String
    /// The sender's organisational unit.
    public let senderUnit: String
    /// Creation time as written (xs:dateTime with zone).
    public let createdAt: String
    /// Optional correlation id.
    public let correlationId: String?
    /// Optional police case number.
    public let caseNumber: String?
    /// True for `spoed`.
    public let urgent: Bool

    /// Reads the header from a schema-valid root element; nil when it is absent.
    public init?(root: XMLElementNode) {
        guard let header = root.child("Berichtkop"),
              let id = header.child("BerichtId")?.text,
              let kind = header.child("Berichtsoort")?.text,
              let sender = header.child("Afzender"),
              let oin = sender.child("OIN")?.text else { return nil }
        messageId = id
        self.kind = kind
        version = header.child("Versie")?.text ?? ""
        senderOIN = oin
        senderUnit = sender.child("Organisatieonderdeel")?.text ?? ""
        createdAt = header.child("AanmaakTijdstip")?.text ?? ""
        correlationId = header.child("CorrelatieId")?.text
        caseNumber = header.child("Zaaknummer")?.text
        urgent = header.child("Urgentie")?.text == "spoed"
    }
}
