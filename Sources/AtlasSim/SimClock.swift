import AtlasCore

/// The simulated clock AtlasCore reads. Only the kernel moves it.
public final class SimClock: Clock {
    /// Simulated nanoseconds since the Unix epoch.
    @exclusivity(unchecked) public internal(set) var nowNanos: Int64

    public init(startNanos: Int64 = 0) { nowNanos = startNanos }

    /// AtlasCore's time: microseconds since the epoch (nanos / 1000, truncated).
    public var nowMicros: Int64 { nowNanos / SimTime.nanosPerMicro }
}
