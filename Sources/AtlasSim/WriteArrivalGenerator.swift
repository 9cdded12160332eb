import AtlasCore
import AtlasStats

/// Generates a simulation's open-loop write arrivals, per ingest tick (see `WriteArrivals`,
/// which runs it ahead on its own thread).
///
/// Nothing observes a write between its arrival and the next ingest tick, so a tick
/// generates every arrival since the previous one in one pass — each with its own drawn
/// arrival time and the same draws, in the same order, as one kernel event per write —
/// instead of paying a kernel event per write. An arrival at exactly a tick time joins
/// that tick. Shared by `WritePathSimulation` and `ScenarioSimulation`.
struct WriteArrivalGenerator {
    private var process: ArrivalProcess
    private var keys: EntityIDGenerator
    private let timeStream, keyStream, attributeStream, valueStream: RandomStream
    private let attributeSet: AttributeSet
    private let tenants: TenantMap
    private let endNanos: Int64
    /// The next arrival not yet generated; nil once past the arrival window.
    private(set) var nextNanos: Int64?

    /// Arrivals in (startNanos, endNanos), drawn from the run's `writes.*` streams.
    init(process: ArrivalProcess, keys: EntityIDGenerator, streams: RandomStreams,
         attributeSet: AttributeSet, tenants: TenantMap, startNanos: Int64, endNanos: Int64) {
        self.process = process
        self.keys = keys
        timeStream = streams.stream("writes.arrivals")
        keyStream = streams.stream("writes.keys")
        attributeStream = streams.stream("writes.attributes")
        valueStream = streams.stream("writes.values")
        self.attributeSet = attributeSet
        self.tenants = tenants
        self.endNanos = endNanos
        nextNanos = self.process.next(afterNanos: startNanos, timeStream).flatMap { $0 < endNanos ? $0 : nil }
    }

    /// Appends the readings of every write arriving at or before `nowNanos` to `readings`
    /// and returns their arrival times.
    mutating func generate(through nowNanos: Int64, into readings: inout [Reading]) -> [Int64] {
        var times: [Int64] = [], ids: [Int64] = []
        while let t = nextNanos, t <= nowNanos {
            times.append(t)
            ids.append(keys.next(keyStream))
            nextNanos = process.next(afterNanos: t, timeStream).flatMap { $0 < endNanos ? $0 : nil }
        }
        if !times.isEmpty {
            attributeSet.appendReadings(entityIDs: ids, arrivalNanos: times, tenants: tenants,
                                        attributeStream: attributeStream, valueStream: valueStream, to: &readings)
        }
        return times
    }
}
