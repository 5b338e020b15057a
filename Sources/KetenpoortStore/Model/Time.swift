import Foundation

extension Date {
    /// Milliseconds since the Unix epoch, rounded down; the store's time unit.
    package var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Creates a date from milliseconds since the Unix epoch.
    package init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}

extension Data {
    /// Lower-case hexadecimal text of the bytes.
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
