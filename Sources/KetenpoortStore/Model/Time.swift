import Foundation

extension Date {
    /// Milliseconds since the Unix epoch, rounded down; the store's time unit.
    var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Creates a date from milliseconds since the Unix epoch.
    init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}

extension Data {
    /// Lower-case hexadecimal text of the bytes.
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
