/// Limits applied while reading untrusted XML.
public struct ReadLimits: Sendable, Hashable {
    /// Maximum size of the input in bytes.
    public var maxBytes: Int
    /// Maximum element nesting depth (the root element is depth 1).
    public var maxDepth: Int
    /// Maximum number of nodes (elements, attributes and text nodes).
    public var maxNodes: Int

    /// Creates limits; defaults: 1 MiB, depth 32, 20,000 nodes.
    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 32, maxNodes: Int = 20_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    /// The defaults, suitable for every message kind of version 1.
    public static let standard = ReadLimits()
}
