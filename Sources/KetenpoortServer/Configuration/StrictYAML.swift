import Foundation
import Yams

/// Decodes YAML configuration strictly: syntax errors carry line and column, unknown keys are refused.
enum StrictYAML {
    /// Why a configuration document could not be decoded.
    enum Failure: Error {
        /// The text is not valid YAML; `line` and `column` start at 1.
        case syntax(line: Int?, column: Int?, problem: String)
        /// The YAML does not fit the type.
        case decoding(DecodingError)
        /// Keys the type does not know, each with its path and the known key it resembles, if any.
        case unknownKeys([UnknownKey])
    }

    /// A key in the document that no configuration type reads.
    struct UnknownKey: Equatable {
        /// Dotted path of the key, e.g. `courier.concurency`.
        let path: String
        /// A known key at the same place that it looks like a misspelling of.
        let suggestion: String?

        /// `courier.concurency: unknown key (did you mean concurrency?)`.
        var message: String {
            "unknown key" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
        }
    }

    /// Parses `text`, decodes a `T` and checks that every key in the document is one `T` reads.
    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws(Failure) -> T {
        let node: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else {
                throw Failure.syntax(line: nil, column: nil, problem: "the document is empty")
            }
            node = parsed
        } catch let failure as Failure {
            throw failure
        } catch let error as YamlError {
            throw syntaxFailure(error)
        } catch {
            throw Failure.syntax(line: nil, column: nil, problem: "not valid YAML")
        }
        let value: T
        do {
            value = try YAMLDecoder().decode(T.self, from: node)
        } catch let error as DecodingError {
            throw Failure.decoding(error)
        } catch {
            throw Failure.syntax(line: nil, column: nil, problem: "cannot be decoded")
        }
        let unknown = unknownKeys(T.self, in: node)
        guard unknown.isEmpty else { throw Failure.unknownKeys(unknown) }
        return value
    }

    /// The keys in `node` that decoding a `T` never asks for.
    static func unknownKeys<T: Decodable>(_ type: T.Type, in node: Node) -> [UnknownKey] {
        let ledger = DecodedKeyLedger()
        do {
            _ = try KeyRecordingLedger.$current.withValue(ledger) { try YAMLDecoder().decode(KeyRecording<T>.self, from: node) }
        } catch {
            return []
        }
        return ledger.all.flatMap { entry in
            entry.mapping.written.subtracting(entry.mapping.known).sorted().map { key in
                UnknownKey(path: entry.path.isEmpty ? key : "\(entry.path).\(key)", suggestion: closest(to: key, among: entry.mapping.known))
            }
        }
    }

    /// The known key within a small edit distance of `key`, if one is.
    static func closest(to key: String, among known: Set<String>) -> String? {
        let candidates = known.map { (key: $0, distance: editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = candidates.min(by: { ($0.distance, $0.key) < ($1.distance, $1.key) }) else { return nil }
        return best.distance <= max(2, key.count / 4) ? best.key : nil
    }

    /// Levenshtein distance between two strings.
    static func editDistance(_ left: String, _ right: String) -> Int {
        let a = Array(left), b = Array(right)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    private static func syntaxFailure(_ error: YamlError) -> Failure {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return .syntax(line: mark.line, column: mark.column, problem: text)
        case .reader(let problem, _, _, _):
            return .syntax(line: nil, column: nil, problem: problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .syntax(line: context.mark.line, column: context.mark.column,
                           problem: "duplicate key \(duplicates.sorted().joined(separator: ", "))")
        default:
            return .syntax(line: nil, column: nil, problem: "not valid YAML")
        }
    }
}

extension StrictYAML.Failure {
    /// The key path the failure is about, or `(syntax)` / `(document)`.
    var key: String {
        switch self {
        case .syntax: "(syntax)"
        case .decoding: "(document)"
        case .unknownKeys(let keys): keys.first?.path ?? "(document)"
        }
    }

    /// Syntax failures as `line 3, column 7: problem`.
    var syntaxText: String? {
        guard case .syntax(let line, let column, let problem) = self else { return nil }
        guard let line, let column else { return "not valid YAML: \(problem)" }
        return "not valid YAML at line \(line), column \(column): \(problem)"
    }
}

/// The ledger the current strict decode records keys into.
private enum KeyRecordingLedger {
    @TaskLocal static var current: DecodedKeyLedger?
}

/// Decodes a `T` through a key-recording decoder writing to the current ledger.
private struct KeyRecording<T: Decodable>: Decodable {
    init(from decoder: any Decoder) throws {
        guard let ledger = KeyRecordingLedger.current else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no key ledger"))
        }
        _ = try T(from: KeyRecordingDecoder(base: decoder, ledger: ledger))
    }
}
