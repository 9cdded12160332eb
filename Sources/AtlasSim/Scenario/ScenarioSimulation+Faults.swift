import AtlasCore
import AtlasStats

/// The fault timeline: scheduled faults from the scenario and each replica's random
/// spikes and pauses, all drawn from the `faults` / `replica.NAME.episodes` streams.
extension ScenarioSimulation {
    func nanos(at seconds: Double) -> Int64 { startNanos + SimTime.nanos(seconds: seconds) }

    func targets(_ name: String) -> [SimulatedReplica] {
        name == "*" ? replicas : replicas.filter { $0.spec.name == name }
    }

    func mark(_ at: Double, _ end: Double?, _ kind: String, _ target: String, _ detail: String) {
        faultEvents.append(FaultEvent(atSeconds: at, endSeconds: end, kind: kind, target: target, detail: detail))
    }

    func scheduleFaults() throws {
        for f in config.faults {
            let at = f.atSeconds
            let t = nanos(at: at)
            switch f.kind {
            case let .replicaLagSpike(name, size, d, shape):
                for r in targets(name) {
                    r.addSpike(.init(startNanos: t, durationNanos: SimTime.nanos(seconds: d),
                                     sizeMicros: Int64(size * 1e6), shape: shape))
                }
                mark(at, at + d, f.kind.name, name, "+\(size) s lag, \(shape.rawValue)")
            case let .replicaPause(name, d):
                let rs = targets(name)
                kernel.schedule(atNanos: t) { rs.forEach { $0.pause() } }
                kernel.schedule(atNanos: t + SimTime.nanos(seconds: d)) { rs.forEach { $0.resume() } }
                mark(at, at + d, f.kind.name, name, "replay paused \(d) s")
            case let .replicaDown(name, d):
                let rs = targets(name)
                kernel.schedule(atNanos: t) { rs.forEach { $0.goDown() } }
                kernel.schedule(atNanos: t + SimTime.nanos(seconds: d)) { rs.forEach { $0.comeUp() } }
                mark(at, at + d, f.kind.name, name, "down \(d) s")
            case let .primaryCrash(detection, promotion):
                let dd = Swift.max(0, try detection.sampler().sample(faultStream))
                let pp = Swift.max(0, try promotion.sampler().sample(faultStream))
                let window = SimTime.nanos(seconds: config.verify.crashWindowSeconds)
                crashWindows.append((t - window, t + window))
                kernel.schedule(atNanos: t) { [unowned self] in self.crashPrimary() }
                kernel.schedule(atNanos: t + SimTime.nanos(seconds: dd + pp)) { [unowned self] in self.promotePrimary() }
                mark(at, at + dd + pp, f.kind.name, "primary",
                     String(format: "detected after %.1f s, promoted %.1f s later; log %@, writes %@", dd, pp,
                            config.topology.durableLog ? "on" : "off",
                            config.topology.durableLog ? config.topology.primaryOutageWrites.rawValue : "refused"))
            case .cacheFlush:
                kernel.schedule(atNanos: t) { [unowned self] in self.cache?.inner.removeAll() }
                mark(at, nil, f.kind.name, "cache", "all entries dropped")
            case let .cacheOutage(d):
                kernel.schedule(atNanos: t) { [unowned self] in self.cache?.isDown = true }
                kernel.schedule(atNanos: t + SimTime.nanos(seconds: d)) { [unowned self] in
                    // Invalidations sent while it was down never arrived: fence older fills.
                    self.cache?.inner.removeAll(invalidationsLostBeforeMicros: self.kernel.clock.nowMicros)
                    self.cache?.isDown = false
                }
                mark(at, at + d, f.kind.name, "cache", "unreachable \(d) s, back empty")
            case let .flusherStall(d):
                kernel.schedule(atNanos: t) { [unowned self] in self.flusherStallDepth += 1 }
                kernel.schedule(atNanos: t + SimTime.nanos(seconds: d)) { [unowned self] in
                    self.flusherStallDepth -= 1
                    if self.flushRequested { self.flushRequested = false; self.requestFlush() }
                }
                mark(at, at + d, f.kind.name, "flusher", "no flush for \(d) s")
            case let .writeBurst(d, m):
                mark(at, at + d, f.kind.name, "writes", "rate ×\(m) for \(d) s")  // applied to the arrival process
            }
        }
        for r in replicas { try scheduleEpisodes(r) }
        faultEvents.sort { ($0.atSeconds, $0.kind, $0.target) < ($1.atSeconds, $1.kind, $1.target) }
    }

    /// The replica's random spikes and pauses over the arrival window (Poisson starts).
    func scheduleEpisodes(_ r: SimulatedReplica) throws {
        let stream = streams.stream("replica.\(r.spec.name).episodes")
        let lag = r.spec.lag
        if lag.spikes.ratePerHour > 0 {
            let size = try lag.spikes.sizeSeconds.sampler(), dur = try lag.spikes.durationSeconds.sampler()
            var t = 0.0
            while true {
                t += stream.exponential(mean: 3600 / lag.spikes.ratePerHour)
                guard t < config.durationSeconds else { break }
                let s = Swift.max(0, size.sample(stream)), d = Swift.max(0.001, dur.sample(stream))
                r.addSpike(.init(startNanos: nanos(at: t), durationNanos: SimTime.nanos(seconds: d),
                                 sizeMicros: Int64(s * 1e6), shape: lag.spikes.shape))
                mark(t, t + d, "replicaLagSpike", r.spec.name, String(format: "random: +%.1f s lag, %@", s, lag.spikes.shape.rawValue))
            }
        }
        if lag.pauses.ratePerHour > 0 {
            let dur = try lag.pauses.durationSeconds.sampler()
            var t = 0.0
            while true {
                t += stream.exponential(mean: 3600 / lag.pauses.ratePerHour)
                guard t < config.durationSeconds else { break }
                let d = Swift.max(0.001, dur.sample(stream))
                kernel.schedule(atNanos: nanos(at: t)) { r.pause() }
                kernel.schedule(atNanos: nanos(at: t + d)) { r.resume() }
                mark(t, t + d, "replicaPause", r.spec.name, String(format: "random: replay paused %.1f s", d))
            }
        }
    }

    /// The primary crashes. Crash recovery truncates UNLOGGED staging: what was staged
    /// and not flushed is gone from the database. With the durable log it is replayed at
    /// promotion; without it, it is lost (and was acknowledged).
    func crashPrimary() {
        guard !primaryDown else { return }
        syncIngest()
        defer { noteStagingChanged() }
        // Kernel callbacks cannot throw: a store error is kept and ends the run (`finish`),
        // rather than guessed around (a wrong flushed offset would misstate the loss).
        let flushed: Int64
        do {
            flushed = try rawStore.flushedOffset()
            try rawStore.clearStaging()
        } catch {
            runtimeErrors.append(error)
            return
        }
        let staged = ingestor.stagedThroughOffset
        if !config.topology.durableLog, staged > flushed {
            lostRanges.append((flushed + 1)...staged)
            verificationExpectedLost += Int(staged - flushed)
        }
        primaryDown = true
        store.isDown = true
    }

    /// The standby is promoted: the primary serves again; with the log on, the write path
    /// re-stages everything past the store's flushed offset (`Ingestor.recover()`). A store
    /// error there ends the run (`finish` throws it): the staging left behind is unknown,
    /// so counting on would misstate what was lost.
    func promotePrimary() {
        guard primaryDown else { return }
        syncIngest()
        defer { noteStagingChanged() }
        primaryDown = false
        store.isDown = false
        if config.topology.durableLog {
            do { writes.replayedFromLog += try ingestor.recover() } catch { runtimeErrors.append(error) }
        }
        requestFlush()
    }
}
