import AtlasCore

/// The write ticks a scenario has made ahead of the kernel, with their batches' service
/// draws, and the count of ingest jobs handed to the worker ahead of their completion
/// events (see `ScenarioSimulation.handIngestsAhead`).
struct IngestAhead {
    /// One ingest tick's arrivals, taken from `WriteArrivals` before the tick's event, and
    /// the ingest pool's service draw for its batch once one has been drawn.
    struct Tick {
        var throughNanos: Int64
        var readings: [Reading]
        var times: [Int64]
        var serviceDrawNanos: Int64?
    }

    /// Ticks made ahead, oldest first: `ticks[head...]`.
    private var ticks: [Tick] = []
    private var head = 0
    /// Ingest completions still to come whose jobs were handed over ahead (the next ones).
    var handedCompletions = 0
    /// Windows whose ingests were handed over ahead, and those that were not (figures).
    var windowsAhead = 0, windowsInline = 0

    var isEmpty: Bool { head == ticks.count && handedCompletions == 0 }
    var pendingTicks: Int { ticks.count - head }

    subscript(pending i: Int) -> Tick {
        get { ticks[head + i] }
        set { ticks[head + i] = newValue }
    }

    mutating func append(_ tick: Tick) { ticks.append(tick) }

    /// The oldest tick made ahead, if its time is `nowNanos`.
    mutating func takeTick(at nowNanos: Int64) -> Tick? {
        guard head < ticks.count else { return nil }
        precondition(ticks[head].throughNanos == nowNanos, "ingest ticks made ahead out of step with the kernel")
        let t = ticks[head]
        ticks[head].readings = []
        ticks[head].times = []
        head += 1
        if head == ticks.count {
            ticks.removeAll(keepingCapacity: true)
            head = 0
        }
        return t
    }
}
