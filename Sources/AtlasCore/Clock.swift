/// The only source of time in AtlasCore. Drivers inject a simulated or wall clock.
public protocol Clock: AnyObject {
    /// Current time in microseconds since the Unix epoch.
    var nowMicros: Int64 { get }
}

/// A clock that moves only when told to: tests and the simulator.
public final class ManualClock: Clock {
    public var nowMicros: Int64
    public init(nowMicros: Int64 = 0) { self.nowMicros = nowMicros }
    public func advance(byMicros delta: Int64) { nowMicros += delta }
}
