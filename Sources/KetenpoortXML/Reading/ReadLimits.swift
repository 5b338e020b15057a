/// Limits applied while reading untrusted XML.
public struct ReadLimits: Sendable, Hashable {
    /// Maximum size of the input in bytes.
    public var maxBytes: Int
    /// Maximum element nesting depth (the root element is depth 1).
    public var maxDepth: Int
    /// Maximum number of nodes (elements, attributes and text nodes).
    public var maxNodes: Int
    /// Maximum attributes on one element, namespace declarations included (checked before parsing).
    public var maxAttributesPerElement: Int
    /// Maximum length in bytes of one start tag, from `<` to `>` (checked before parsing).
    public var maxStartTagBytes: Int

    /// Creates limits; defaults: 1 MiB, depth 32, 20,000 nodes, 64 attributes per element, 8 KiB per start tag.
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32, maxNodes: Int = 20_000,
                maxAttributesPerElement: Int = 64, maxStartTagBytes: Int = 8 << 10) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxAttributesPerElement = maxAttributesPerElement
        self.maxStartTagBytes = maxStartTagBytes
    }

    /// The defaults, suitable for every message kind of version 1.
    public static let standard = ReadLimits()
}
