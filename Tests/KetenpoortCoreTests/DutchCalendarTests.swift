import Foundation
import KetenpoortCore
import XCTest

/// The hand-written date parsing the rules use agrees with Foundation's ISO 8601 parser.
final class DutchCalendarTests: XCTestCase {
    func testMomentAgreesWithFoundationOnValidDateTimes() throws {
        let samples = [
            "2026-06-22T14:05:00+02:00", "2026-01-01T00:00:00Z", "1999-12-31T23:59:59-05:30", "2024-02-29T12:00:00+00:00",
            "2026-11-23T10:00:00.250+01:00", "1970-01-01T00:00:00Z", "2100-03-01T06:07:08+14:00", "1900-02-28T23:00:00z",
        ]
        let formatter = ISO8601DateFormatter()
        for sample in samples {
            formatter.formatOptions = sample.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
            let expected = try XCTUnwrap(formatter.date(from: sample.uppercased()), sample)
            let parsed = try XCTUnwrap(RFC3339.parse(sample), sample)
            XCTAssertEqual(parsed.timeIntervalSince1970, expected.timeIntervalSince1970, accuracy: 0.0005, sample)
        }
    }

    func testMomentRefusesOtherShapes() {
        for sample in ["2026-06-22", "2026-06-22T14:05:00", "2026-13-01T00:00:00Z", "2026-06-22 14:05:00Z", "2026-06-22T14:05:00+0200",
                       "2026-06-22T14:05:00.Z", "2026-06-22T25:00:00Z", "x026-06-22T14:05:00Z", "2026-06-22T14:05:00Z ", ""] {
            XCTAssertNil(RFC3339.parse(sample), sample)
        }
    }

    func testDateStringIsTheDayInAmsterdam() {
        // 23:30 UTC on 31 December is already 1 January in Amsterdam (UTC+1 in winter).
        let lateEvening = Date(timeIntervalSince1970: 1_798_759_800)   // 2026-12-31T23:30:00Z
        XCTAssertEqual(DutchCalendar.dateString(lateEvening), "2027-01-01")
        XCTAssertTrue(DutchCalendar.isMinor(born: "2009-01-02", on: "2027-01-01"))
        XCTAssertFalse(DutchCalendar.isMinor(born: "2009-01-01", on: "2027-01-01"))
    }

    func testRFC3339FormattingAgreesWithFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        var moments: [Double] = [0, -1, 951_782_400, 1_798_761_599.9996, -62_135_596_800, 4_102_444_800.5]
        for _ in 0..<500 { moments.append(Double(Int64.random(in: -2_000_000_000_000...9_000_000_000_000, using: &generator)) / 1000) }
        for seconds in moments {
            let date = Date(timeIntervalSince1970: seconds)
            let ours = RFC3339.utc(date, fractionalSeconds: true)
            let parsed = RFC3339.parse(ours)
            XCTAssertNotNil(parsed, ours)
            XCTAssertEqual(parsed?.timeIntervalSince1970 ?? .nan, (seconds * 1000).rounded() / 1000, accuracy: 0.0005, ours)
            if seconds >= 0 { XCTAssertEqual(ours, formatter.string(from: Date(timeIntervalSince1970: (seconds * 1000).rounded() / 1000)), ours) }
        }
        XCTAssertEqual(RFC3339.utc(Date(timeIntervalSince1970: 1_798_759_800)), "2026-12-31T23:30:00Z")
    }
}
