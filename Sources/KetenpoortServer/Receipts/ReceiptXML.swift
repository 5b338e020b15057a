import Foundation
import KetenpoortCore

/// Small text helpers for writing receipts.
enum ReceiptXML {
    /// Escapes text for element content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A `TijdstipMetTijdzone`: UTC with milliseconds and `Z`.
    static func timestamp(_ date: Date) -> String {
        RFC3339.utc(date, fractionalSeconds: true)
    }

    /// Whether `text` is a lowercase UUID as the contract's `UUID` type requires.
    static func isContractUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) } }
    }
}
