import AtlasCore
import AtlasStats

/// One simulated read replica: a replay position that follows a stochastic lag process.
///
/// What is modelled: the replica has applied every primary commit at or before
/// `positionMicros` (its true replay position). Each replay tick it moves toward
/// `now − targetLag`, where the target lag is the base draw (redrawn every
/// `resampleMs`) plus the active spikes; it never moves backwards and closes a gap at
/// most `replaySpeedup` × the elapsed time (a paused replica catches up, not jumps).
/// Paused or down: it does not move. The router sees `source`, whose position the lag
/// reader sets from `positionMicros` every probe (a lower bound between probes).
///
/// What is not: the replica's data. Reads it serves are answered from the primary
/// store's current contents; staleness and read-your-writes are judged from the
/// position against the primary's commit history (`CommitHistory`).
final class SimulatedReplica {
    struct Spike {
        var startNanos: Int64
        var durationNanos: Int64
        var sizeMicros: Int64
        var shape: SpikeShape
    }

    let spec: ReplicaSpec
    let source: ReportedSource
    private let stream: RandomStream
    private let baseLag: DistributionSampler
    private(set) var positionMicros: Int64
    private var baseLagMicros: Int64 = 0
    private var nextResampleNanos: Int64
    private var lastAdvanceNanos: Int64
    private var spikes: [Spike] = []
    private(set) var pauseDepth = 0
    private(set) var downDepth = 0
    /// Reads this replica answered.
    var reads = 0

    init(spec: ReplicaSpec, startNanos: Int64, stream: RandomStream) throws {
        self.spec = spec
        self.stream = stream
        baseLag = try spec.lag.baseMs.sampler()
        source = ReportedSource(name: spec.name, kind: .replica)
        nextResampleNanos = startNanos
        lastAdvanceNanos = startNanos
        positionMicros = startNanos / SimTime.nanosPerMicro
        source.reportedThroughMicros = positionMicros
    }

    var isDown: Bool { downDepth > 0 }
    var isPaused: Bool { pauseDepth > 0 }

    func addSpike(_ s: Spike) { spikes.append(s) }
    func pause() { pauseDepth += 1 }
    func resume() { pauseDepth -= 1 }
    func goDown() { downDepth += 1 }
    func comeUp() { downDepth -= 1 }

    /// Target lag now: base plus the active spikes (ended spikes are dropped).
    func targetLagMicros(nowNanos: Int64) -> Int64 {
        spikes.removeAll { nowNanos >= $0.startNanos + $0.durationNanos }
        var lag = baseLagMicros
        for s in spikes where nowNanos >= s.startNanos {
            let f = Double(nowNanos - s.startNanos) / Double(Swift.max(1, s.durationNanos))
            let k: Double
            switch s.shape {
            case .step: k = 1
            case .ramp: k = f
            case .triangle: k = 1 - Swift.abs(2 * f - 1)
            }
            lag += Int64(Double(s.sizeMicros) * k)
        }
        return lag
    }

    /// One replay tick.
    func advance(nowNanos: Int64) {
        let elapsed = nowNanos - lastAdvanceNanos
        lastAdvanceNanos = nowNanos
        if nowNanos >= nextResampleNanos {
            baseLagMicros = Int64(Swift.max(0, baseLag.sample(stream)) * 1000)
            nextResampleNanos = nowNanos + SimTime.nanos(millis: spec.lag.resampleMs)
        }
        guard !isPaused, !isDown else { return }
        let nowMicros = nowNanos / SimTime.nanosPerMicro
        let target = nowMicros - targetLagMicros(nowNanos: nowNanos)
        guard target > positionMicros else { return }
        let maxStep = Int64(Double(elapsed / SimTime.nanosPerMicro) * spec.lag.replaySpeedup)
        positionMicros = Swift.min(nowMicros, Swift.min(target, positionMicros + Swift.max(maxStep, 0)))
    }

    /// The lag reader observes the replica (nothing while it is down).
    func probe() {
        guard !isDown else { return }
        source.reportedThroughMicros = positionMicros
    }

    /// True replication lag now, microseconds.
    func lagMicros(nowMicros: Int64) -> Int64 { Swift.max(0, nowMicros - positionMicros) }
}

/// The primary's commit history: (commit time, flushed-through offset) per committed
/// flush, oldest first, trimmed to a retention window.
struct CommitHistory {
    private(set) var timesMicros: [Int64] = []
    private var start = 0
    let retentionMicros: Int64

    init(retentionMicros: Int64) { self.retentionMicros = retentionMicros }

    mutating func append(atMicros t: Int64) {
        timesMicros.append(t)
        let cutoff = t - retentionMicros
        while start < timesMicros.count - 1, timesMicros[start] < cutoff { start += 1 }
        if start > 65_536 {
            timesMicros.removeFirst(start)
            start = 0
        }
    }

    /// The newest commit at or before `t` (nil when none is retained).
    func latest(atOrBeforeMicros t: Int64) -> Int64? {
        var lo = start, hi = timesMicros.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if timesMicros[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo > start ? timesMicros[lo - 1] : nil
    }

    /// How stale an answer as of `asOfMicros` is at `nowMicros`: now minus the oldest
    /// commit it misses (in (asOf, now]), or 0 when it misses none. An `asOf` older than
    /// the retained history counts from the oldest retained commit (a lower bound).
    func stalenessMicros(asOfMicros: Int64, nowMicros: Int64) -> Int64 {
        var lo = start, hi = timesMicros.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if timesMicros[mid] <= asOfMicros { lo = mid + 1 } else { hi = mid }
        }
        guard lo < timesMicros.count, timesMicros[lo] <= nowMicros else { return 0 }
        return nowMicros - timesMicros[lo]
    }
}
