/// The discrete-event simulation kernel: a simulated clock and a queue of events.
/// Components register event kinds (a handler plus a counter) once, then schedule
/// events of those kinds with an integer payload, which keeps the hot path free of
/// allocations. One-off closures are also accepted (`schedule(atNanos:_:)`).
/// Single-threaded and synchronous by design: no threads, no async.
public final class SimKernel {
    public let clock: SimClock
    // The kernel is single-threaded and never holds an access across a handler call,
    // so the hot-path state skips dynamic exclusivity checks (a quarter of the time per
    // event otherwise).
    @exclusivity(unchecked) var queue = EventQueue()
    @exclusivity(unchecked) var handlers: [(Int64) -> Void] = []
    var kindNames: [String] = []
    @exclusivity(unchecked) var counts: [Int] = []
    /// Closures of one-off events, by payload key.
    var closures: [Int64: () -> Void] = [:]
    var nextClosureKey: Int64 = 0
    var closureKind: Int32 = 0
    @exclusivity(unchecked) var stopRequested = false
    /// Events run so far (all kinds).
    @exclusivity(unchecked) public private(set) var eventsProcessed: Int = 0

    public init(startNanos: Int64 = 0) {
        clock = SimClock(startNanos: startNanos)
        closureKind = register("closure") { [unowned self] key in
            let f = self.closures.removeValue(forKey: key)!
            f()
        }.index
    }

    /// Simulated now, nanoseconds since the epoch.
    public var nowNanos: Int64 { clock.nowNanos }

    /// Registers an event kind named `name` (its counter is reported under that name).
    public func register(_ name: String, handler: @escaping (_ payload: Int64) -> Void) -> EventKind {
        handlers.append(handler)
        kindNames.append(name)
        counts.append(0)
        return EventKind(index: Int32(handlers.count - 1))
    }

    /// Schedules an event of `kind` at `atNanos` (not before now).
    @discardableResult
    public func schedule(_ kind: EventKind, atNanos t: Int64, payload: Int64 = 0) -> EventID {
        precondition(t >= clock.nowNanos, "cannot schedule in the past (\(t) < \(clock.nowNanos))")
        return queue.push(timeNanos: t, kind: kind.index, payload: payload)
    }

    /// Schedules an event of `kind` `delayNanos` from now.
    @discardableResult
    public func schedule(_ kind: EventKind, afterNanos delayNanos: Int64, payload: Int64 = 0) -> EventID {
        schedule(kind, atNanos: clock.nowNanos + delayNanos, payload: payload)
    }

    /// Schedules a one-off closure (counted under "closure"). Allocates; keep it off hot paths.
    @discardableResult
    public func schedule(atNanos t: Int64, _ action: @escaping () -> Void) -> EventID {
        let key = nextClosureKey
        nextClosureKey += 1
        closures[key] = action
        return schedule(EventKind(index: closureKind), atNanos: t, payload: key)
    }

    /// Cancels a pending event; false if it already ran or was cancelled.
    @discardableResult
    public func cancel(_ id: EventID) -> Bool {
        guard let (kind, payload) = queue.kindAndPayload(of: id) else { return false }
        _ = queue.cancel(id)
        if kind == closureKind { closures.removeValue(forKey: payload) }
        return true
    }

    /// Moves a pending event to `atNanos`; false if it already ran or was cancelled.
    @discardableResult
    public func reschedule(_ id: EventID, atNanos t: Int64) -> Bool {
        precondition(t >= clock.nowNanos, "cannot reschedule into the past")
        return queue.reschedule(id, toNanos: t)
    }

    /// True while `id` is pending.
    public func isPending(_ id: EventID) -> Bool { queue.isPending(id) }

    /// Pending events.
    public var pendingCount: Int { queue.count }

    /// Makes the running `run` return after the current event.
    public func stop() { stopRequested = true }

    /// Runs the next event, if any. Returns false when the queue is empty.
    @discardableResult
    public func step() -> Bool {
        guard let e = queue.popMin() else { return false }
        clock.nowNanos = e.timeNanos
        counts[Int(e.kind)] += 1
        eventsProcessed += 1
        handlers[Int(e.kind)](e.payload)
        return true
    }

    /// Runs events with time ≤ `endNanos` in order, then sets the clock to `endNanos`
    /// (unless stopped early). Events scheduled exactly at `endNanos` run.
    public func run(untilNanos endNanos: Int64) {
        stopRequested = false
        while let t = queue.nextTimeNanos, t <= endNanos {
            step()
            if stopRequested { return }
        }
        if clock.nowNanos < endNanos { clock.nowNanos = endNanos }
    }

    /// Runs for `durationNanos` of simulated time from now.
    public func run(forNanos durationNanos: Int64) { run(untilNanos: clock.nowNanos + durationNanos) }

    /// Runs until no event is pending (or `stop()`).
    public func runToCompletion() {
        stopRequested = false
        while step() { if stopRequested { return } }
    }

    /// Events run per kind name (kinds with the same name are summed).
    public var eventCounts: [String: Int] {
        var out: [String: Int] = [:]
        for (i, n) in kindNames.enumerated() where counts[i] > 0 { out[n, default: 0] += counts[i] }
        return out
    }

    /// Events run of one kind.
    public func count(of kind: EventKind) -> Int { counts[Int(kind.index)] }
}
