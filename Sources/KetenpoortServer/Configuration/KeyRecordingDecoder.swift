import Foundation

/// The mapping keys a decode saw in the document and the keys the decoded types asked for, per key path.
final class DecodedKeyLedger: @unchecked Sendable {
    /// Keys at one mapping: those written in the document and those the type knows.
    struct Mapping {
        var written: Set<String> = []
        var known: Set<String> = []
    }

    private let lock = NSLock()
    private var mappings: [String: Mapping] = [:]

    /// Notes the keys a mapping at `path` holds.
    func wrote(_ keys: [String], at path: String) {
        lock.withLock { mappings[path, default: Mapping()].written.formUnion(keys) }
    }

    /// Notes that the type decoded at `path` asked for `key`.
    func asked(for key: String, at path: String) {
        lock.withLock { _ = mappings[path, default: Mapping()].known.insert(key) }
    }

    /// Every key path and its keys, in path order.
    var all: [(path: String, mapping: Mapping)] {
        lock.withLock { mappings.sorted { $0.key < $1.key }.map { (path: $0.key, mapping: $0.value) } }
    }

    /// `partners[2].endpoint` for a coding path.
    static func text(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce(into: "") { text, key in
            if let index = key.intValue, key.stringValue == "Index \(index)" || Int(key.stringValue) == index {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
    }
}

/// Wraps another decoder and records, per mapping, which keys were present and which the types asked for.
struct KeyRecordingDecoder: Decoder {
    let base: any Decoder
    let ledger: DecodedKeyLedger

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let container = try base.container(keyedBy: Key.self)
        let path = DecodedKeyLedger.text(codingPath)
        ledger.wrote(try base.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue), at: path)
        return KeyedDecodingContainer(RecordingKeyedContainer(base: container, ledger: ledger, path: path))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RecordingUnkeyedContainer(base: try base.unkeyedContainer(), ledger: ledger)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        try base.singleValueContainer()
    }
}

/// A keyed container that records every key asked for and decodes nested values through a recording decoder.
private struct RecordingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    let ledger: DecodedKeyLedger
    let path: String

    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    func contains(_ key: Key) -> Bool {
        ledger.asked(for: key.stringValue, at: path)
        return base.contains(key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        ledger.asked(for: key.stringValue, at: path)
        return try base.decodeNil(forKey: key)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        ledger.asked(for: key.stringValue, at: path)
        return try T(from: KeyRecordingDecoder(base: try base.superDecoder(forKey: key), ledger: ledger))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        ledger.asked(for: key.stringValue, at: path)
        guard base.contains(key), try !base.decodeNil(forKey: key) else { return nil }
        return try decode(T.self, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        ledger.asked(for: key.stringValue, at: path)
        return try KeyRecordingDecoder(base: try base.superDecoder(forKey: key), ledger: ledger).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        ledger.asked(for: key.stringValue, at: path)
        return RecordingUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: key), ledger: ledger)
    }

    func superDecoder() throws -> any Decoder {
        KeyRecordingDecoder(base: try base.superDecoder(), ledger: ledger)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ledger.asked(for: key.stringValue, at: path)
        return KeyRecordingDecoder(base: try base.superDecoder(forKey: key), ledger: ledger)
    }
}

/// An unkeyed container whose elements are decoded through a recording decoder.
private struct RecordingUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    let ledger: DecodedKeyLedger

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: KeyRecordingDecoder(base: try base.superDecoder(), ledger: ledger))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try KeyRecordingDecoder(base: try base.superDecoder(), ledger: ledger).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        RecordingUnkeyedContainer(base: try base.nestedUnkeyedContainer(), ledger: ledger)
    }

    mutating func superDecoder() throws -> any Decoder {
        KeyRecordingDecoder(base: try base.superDecoder(), ledger: ledger)
    }
}

/// Any key at all, so that `allKeys` lists every key a mapping holds.
private struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}
