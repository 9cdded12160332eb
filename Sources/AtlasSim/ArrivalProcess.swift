import AtlasStats

/// Generates arrival times for an `ArrivalConfig`. Poisson arrivals under a varying
/// rate use Lewis–Shedler thinning with a bound that is valid up to the next burst
/// edge; the exponential's memorylessness lets the draw restart there.
public struct ArrivalProcess {
    public let config: ArrivalConfig
    /// Run start, nanoseconds since the epoch (curves and bursts are relative to it).
    public let originNanos: Int64
    private let edgesNanos: [Int64]   // sorted burst boundaries
    private var constantCursorNanos: Double?

    public init(_ config: ArrivalConfig, originNanos: Int64) {
        precondition(config.ratePerSecond >= 0 && config.ratePerSecond.isFinite, "rate must be finite and ≥ 0")
        if let d = config.diurnal {
            precondition(d.amplitude >= 0 && d.amplitude < 1 && d.periodSeconds > 0, "diurnal: amplitude in [0,1), period > 0")
        }
        for b in config.bursts { precondition(b.multiplier >= 0 && b.durationSeconds >= 0, "burst: multiplier and duration ≥ 0") }
        self.config = config
        self.originNanos = originNanos
        var e: [Int64] = []
        for b in config.bursts {
            e.append(originNanos + SimTime.nanos(seconds: b.startSeconds))
            e.append(originNanos + SimTime.nanos(seconds: b.startSeconds + b.durationSeconds))
        }
        edgesNanos = e.sorted()
    }

    /// The rate per second at `tNanos`.
    public func rate(atNanos tNanos: Int64) -> Double {
        let s = SimTime.seconds(nanos: tNanos - originNanos)
        var r = config.ratePerSecond * (config.diurnal?.factor(atSeconds: s) ?? 1)
        for b in config.bursts where s >= b.startSeconds && s < b.startSeconds + b.durationSeconds {
            r *= b.multiplier
        }
        return r
    }

    private func burstFactor(atNanos tNanos: Int64) -> Double {
        let s = SimTime.seconds(nanos: tNanos - originNanos)
        var f = 1.0
        for b in config.bursts where s >= b.startSeconds && s < b.startSeconds + b.durationSeconds { f *= b.multiplier }
        return f
    }

    private func nextEdge(afterNanos t: Int64) -> Int64? {
        // Few bursts: a linear scan is cheaper than bookkeeping.
        for e in edgesNanos where e > t { return e }
        return nil
    }

    /// The first arrival strictly after `tNanos`, or nil if the rate stays zero.
    public mutating func next(afterNanos tNanos: Int64, _ stream: RandomStream) -> Int64? {
        switch config.process {
        case .poisson: return nextPoisson(afterNanos: tNanos, stream)
        case .constant: return nextConstant(afterNanos: tNanos)
        }
    }

    private func nextPoisson(afterNanos start: Int64, _ stream: RandomStream) -> Int64? {
        var t = start
        let flat = config.diurnal == nil && edgesNanos.isEmpty
        if flat {
            guard config.ratePerSecond > 0 else { return nil }
            return t + Swift.max(1, SimTime.nanos(seconds: stream.exponential(mean: 1 / config.ratePerSecond)))
        }
        while true {
            let bound = config.ratePerSecond * (1 + (config.diurnal?.amplitude ?? 0)) * burstFactor(atNanos: t)
            let edge = nextEdge(afterNanos: t)
            if bound <= 0 {
                guard let e = edge else { return nil }
                t = e
                continue
            }
            let cand = t + Swift.max(1, SimTime.nanos(seconds: stream.exponential(mean: 1 / bound)))
            if let e = edge, cand >= e { t = e; continue }
            t = cand
            if stream.uniform() * bound < rate(atNanos: t) { return t }
        }
    }

    private mutating func nextConstant(afterNanos t: Int64) -> Int64? {
        // Keep a fractional cursor so 3 arrivals/s land at exactly 1/3 s spacing on average.
        var cursor = constantCursorNanos ?? Double(t)
        if cursor < Double(t) { cursor = Double(t) }
        var guardSteps = 0
        while true {
            let r = rate(atNanos: Int64(cursor))
            if r > 0 {
                cursor += 1e9 / r
                let n = Int64(cursor.rounded(.up))
                if n > t { constantCursorNanos = cursor; return n }
            } else {
                guard let e = nextEdge(afterNanos: Int64(cursor)) else { return nil }
                cursor = Double(e)
            }
            guardSteps += 1
            precondition(guardSteps < 10_000_000, "constant arrivals: no progress")
        }
    }
}
