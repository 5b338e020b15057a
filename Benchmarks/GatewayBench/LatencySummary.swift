import Histogram

/// Percentiles of a latency distribution in milliseconds, from an HDR histogram of microseconds.
struct LatencySummary: Codable, Sendable {
    /// Number of samples.
    var count: UInt64
    /// Median.
    var p50: Double
    /// 90th percentile.
    var p90: Double
    /// 99th percentile.
    var p99: Double
    /// 99.9th percentile.
    var p999: Double
    /// Largest sample.
    var max: Double
    /// Mean.
    var mean: Double

    /// Summarises a histogram whose values are microseconds.
    init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        p50 = Double(histogram.valueAtPercentile(50)) / 1000
        p90 = Double(histogram.valueAtPercentile(90)) / 1000
        p99 = Double(histogram.valueAtPercentile(99)) / 1000
        p999 = Double(histogram.valueAtPercentile(99.9)) / 1000
        max = Double(histogram.max) / 1000
        mean = histogram.mean / 1000
    }

    /// An empty histogram for microsecond latencies up to one hour.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }
}
