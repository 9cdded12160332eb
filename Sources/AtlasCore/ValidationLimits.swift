/// Configurable bounds the validator enforces.
public struct ValidationLimits: Sendable, Equatable {
    /// Longest text value accepted, in UTF-8 bytes.
    public var maxTextBytes: Int
    /// Accepted range for reading times and timestamp values (microseconds since epoch).
    public var timestampRangeMicros: ClosedRange<Int64>
    /// Longest entity type, in UTF-8 bytes (spec: `varchar(100)`).
    public var maxEntityTypeBytes: Int

    public init(maxTextBytes: Int = 4096,
                timestampRangeMicros: ClosedRange<Int64> = ValidationLimits.defaultTimestampRange,
                maxEntityTypeBytes: Int = 100) {
        self.maxTextBytes = maxTextBytes
        self.timestampRangeMicros = timestampRangeMicros
        self.maxEntityTypeBytes = maxEntityTypeBytes
    }

    /// 1970-01-01T00:00:00Z ... 2199-12-31T23:59:59.999999Z.
    public static let defaultTimestampRange: ClosedRange<Int64> =
        0...(TimestampFormat.micros(year: 2200, month: 1, day: 1) - 1)
}
