/// Codes of findings raised while reading raw bytes, before any schema is applied.
public enum ReadingCode {
    /// The document contains a DOCTYPE (DTDs and entities are never processed).
    public static let doctype = "KP-X001"
    /// The document is not well-formed XML.
    public static let malformed = "KP-X002"
    /// The document is larger than the configured byte limit.
    public static let tooLarge = "KP-X003"
    /// Elements are nested deeper than the configured limit.
    public static let tooDeep = "KP-X004"
    /// The document has more nodes than the configured limit.
    public static let tooManyNodes = "KP-X005"
    /// The bytes are not UTF-8, or another encoding is declared.
    public static let encoding = "KP-X006"
    /// There is content after the root element (a second root, trailing garbage).
    public static let trailingContent = "KP-X007"
    /// The root element is not a known message kind (name or namespace).
    public static let unknownKind = "KP-X008"
    /// The document is empty or truncated.
    public static let truncated = "KP-X009"
}
