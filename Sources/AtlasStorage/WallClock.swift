import AtlasCore
#if canImport(Glibc)
import Glibc
#endif

/// The live runner's clock: the system's real-time clock in microseconds. Lives
/// outside AtlasCore, which only ever sees the `Clock` protocol.
public final class WallClock: Clock {
    public init() {}
    public var nowMicros: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
