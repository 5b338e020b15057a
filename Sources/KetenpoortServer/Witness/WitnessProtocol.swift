import Foundation
import KetenpoortStore

/// The witness HTTP API's paths and JSON bodies (shared by the witness and the gateway's pusher).
public enum WitnessProtocol {
    /// Where a gateway posts a new head.
    public static let submitPath = "/v1/tree-heads"
    /// Where anyone with a client certificate reads the latest head of a key (`?key_sha256=HEX`).
    public static let latestPath = "/v1/tree-heads/latest"
    /// The largest request body a witness reads (a head and a consistency proof of up to 64 hashes fit easily).
    public static let maxBodyBytes = 64 * 1024

    /// `POST /v1/tree-heads`: a new head, and its consistency proof from the witness's latest head of that key.
    public struct Submission: Codable, Sendable, Hashable {
        /// The gateway's new signed tree head.
        public var head: SignedTreeHead
        /// The size of the witness's latest head of that key (0 if none).
        public var fromSize: Int64
        /// The RFC 9162 consistency proof from `fromSize` to `head.treeSize` (empty when `fromSize` is 0).
        public var consistency: [Data]

        /// Creates a submission.
        public init(head: SignedTreeHead, fromSize: Int64, consistency: [Data]) {
            self.head = head
            self.fromSize = fromSize
            self.consistency = consistency
        }

        private enum CodingKeys: String, CodingKey {
            case head
            case fromSize = "from_size"
            case consistency
        }

        /// Decodes the JSON form (hashes as hex).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            head = try container.decode(SignedTreeHead.self, forKey: .head)
            fromSize = try container.decode(Int64.self, forKey: .fromSize)
            let texts = try container.decodeIfPresent([String].self, forKey: .consistency) ?? []
            consistency = try texts.map { text in
                guard let hash = Data(hexString: text), hash.count == 32 else {
                    throw DecodingError.dataCorruptedError(forKey: .consistency, in: container, debugDescription: "not 32 bytes of hex")
                }
                return hash
            }
        }

        /// Encodes the JSON form (hashes as hex).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(head, forKey: .head)
            try container.encode(fromSize, forKey: .fromSize)
            try container.encode(consistency.map(\.hexString), forKey: .consistency)
        }
    }

    /// 200: a head and the witness's cosignature of it.
    public struct Cosigned: Codable, Sendable, Hashable {
        /// The head the witness holds.
        public var head: SignedTreeHead
        /// Its cosignature.
        public var cosignature: WitnessCosignature

        /// Creates an answer.
        public init(head: SignedTreeHead, cosignature: WitnessCosignature) {
            self.head = head
            self.cosignature = cosignature
        }
    }

    /// 403, 409 and 422 answers: what was wrong, and for 409 the witness's own latest size and root.
    public struct Refusal: Codable, Sendable, Hashable {
        /// `stale-from-size`, `inconsistent`, `older`, `split-view`, `bad-signature`, `unknown-key`, …
        public var error: String
        /// One line of explanation (sizes and hashes only).
        public var detail: String?
        /// For 409: the size of the witness's latest head of that key.
        public var witnessSize: Int64?
        /// For 409: the root of that head (hex).
        public var witnessRoot: String?

        /// Creates a refusal body.
        public init(error: String, detail: String? = nil, witnessSize: Int64? = nil, witnessRoot: String? = nil) {
            self.error = error
            self.detail = detail
            self.witnessSize = witnessSize
            self.witnessRoot = witnessRoot
        }

        private enum CodingKeys: String, CodingKey {
            case error, detail
            case witnessSize = "witness_size"
            case witnessRoot = "witness_root"
        }
    }

    /// JSON with sorted keys and unescaped slashes.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
