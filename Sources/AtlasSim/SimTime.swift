/// Simulated time is integer nanoseconds (`...Nanos`), so event order never depends on
/// floating-point rounding. Instants are nanoseconds since the Unix epoch, which makes
/// `SimClock.nowMicros` directly usable as AtlasCore's epoch microseconds.
public enum SimTime {
    public static let nanosPerMicro: Int64 = 1_000
    public static let nanosPerMilli: Int64 = 1_000_000
    public static let nanosPerSecond: Int64 = 1_000_000_000

    /// Nanoseconds in `seconds` (rounded to the nearest nanosecond).
    public static func nanos(seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }
    /// Nanoseconds in `millis` (rounded).
    public static func nanos(millis: Double) -> Int64 { Int64((millis * 1e6).rounded()) }
    /// Nanoseconds in `micros` (rounded).
    public static func nanos(micros: Double) -> Int64 { Int64((micros * 1e3).rounded()) }
    /// Seconds in `nanos`.
    public static func seconds(nanos: Int64) -> Double { Double(nanos) / 1e9 }
    /// Milliseconds in `nanos`.
    public static func millis(nanos: Int64) -> Double { Double(nanos) / 1e6 }
}
