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
    /// An element has more attributes (namespace declarations included) than the configured limit.
    public static let tooManyAttributes = "KP-X010"
    /// A start tag is longer than the configured limit.
    public static let startTagTooLong = "KP-X011"
    /// The document contains a comment.
    public static let comment = "KP-X012"
    /// The document contains a processing instruction other than the XML declaration.
    public static let processingInstruction = "KP-X013"
    /// The XML declaration names another version than 1.0.
    public static let version = "KP-X014"
    /// A namespace URI is not absolute (no scheme), so the document cannot be canonicalised and signed.
    public static let relativeNamespace = "KP-X015"
    /// A prefix is used without a namespace declaration (or a prefixed declaration is empty).
    public static let undeclaredPrefix = "KP-X016"
    /// An attribute in the XML Schema instance namespace (xsi:schemaLocation, xsi:type, ...).
    public static let schemaInstanceAttribute = "KP-X017"
    /// The document cannot be canonicalised (exclusive C14N), so it cannot be signed.
    public static let notCanonicalisable = "KP-X018"
}
