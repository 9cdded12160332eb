import AtlasCore
import AtlasStats

/// The read path: arrivals, routing through the real `QueryRouter`, source pools, and
/// the exact accounting of staleness and read-your-writes against the commit history.
extension ScenarioSimulation {
    static let levels: [ConsistencyLevel] = [.strong, .eventual, .analytics]

    func readArrived() {
        let now = kernel.nowNanos
        let nowMicros = now / SimTime.nanosPerMicro
        guard let arrival = nextRead else { preconditionFailure("a read arrived that was not scheduled") }
        precondition(arrival.atNanos == now, "read arrivals out of step with the kernel")
        let level = arrival.level, entityID = arrival.entityID
        var options = ReadOptions(consistency: Self.levels[level])
        if let age = arrival.rywAgeMicros {
            // A session whose write committed `age` ago reads: it needs that commit.
            options.writtenAtMicros = commits.latest(atOrBeforeMicros: nowMicros - age)
        }
        levelCounts[level].reads += 1
        interval.reads += 1
        var penalty: Int64 = 0
        do {
            let meta: FreshnessMetadata
            if level == 2 {
                meta = try router.read(options) { _ in 0 }.freshness
            } else {
                let cacheWasDown = cache?.isDown == true && level == 1
                let routed = try router.hotAttributes(tenantID: arrival.tenantID, entityID: entityID,
                                                      options: options, executor: executor)
                meta = routed.freshness
                if routed.value == nil { emptyAnswers += 1 }
                if cacheWasDown { penalty += SimTime.nanos(millis: config.topology.services.cacheErrorMs) }
                if level == 1, cache != nil, !cacheWasDown {
                    interval.cacheLookups += 1
                    if meta.cacheStatus == .hit { interval.cacheHits += 1 }
                }
            }
            if meta.reason == .primaryAfterReplicaError {
                penalty += SimTime.nanos(millis: config.topology.services.replicaErrorMs)
            }
            let replica = meta.sourceKind == .replica ? replicaNames.firstIndex(of: meta.source)! : -1
            classify(meta, replica: replica, options: options, level: level, nowMicros: nowMicros)
            let job = ReadJob(arrivalNanos: now, level: level, penaltyNanos: penalty)
            switch meta.sourceKind {
            case .primary: primaryPool.submit(job)
            case .cache: cachePool.submit(job)
            case .olap: olapPool.submit(job)
            case .replica:
                replicas[replica].reads += 1
                replicaPools[replica].submit(job)
            }
        } catch {
            levelCounts[level].errors += 1
        }
        nextRead = readArrivals.next()
        if let r = nextRead { kernel.schedule(readArrivalKind, atNanos: r.atNanos) }
        prefetchReads()
    }

    /// Starts the memory loads of the next few reads' lookups (store index bucket →
    /// slot → hot cell; cache bucket → entry), one stage per read ahead, so that each
    /// lookup finds its lines loaded instead of waiting on one miss after another.
    /// Hints only: nothing the simulation computes changes.
    func prefetchReads() {
        guard let memory = memoryStore else { return }
        for stage in 0...2 {
            guard let r = stage == 0 ? nextRead : readArrivals.peek(stage - 1), r.level < 2 else { continue }
            memory.prefetchLookup(r.entityID, stage: stage)
            if r.level == 1, stage < 2, let lru = cache?.inner {
                lru.prefetch(CacheKey(tenantID: r.tenantID, entityID: r.entityID), stage: stage)
            }
        }
    }

    /// Judges the answer by the TRUE position of the source that served it (the router
    /// only knew the reported one): stale when it misses a commit older than the level's
    /// bound; a read-your-writes violation when it has not replayed the client's commit.
    /// `replica` is the index of the replica that served it (-1 when none did).
    func classify(_ meta: FreshnessMetadata, replica: Int, options: ReadOptions, level: Int, nowMicros: Int64) {
        let trueAsOf: Int64
        switch meta.sourceKind {
        case .primary, .cache: trueAsOf = nowMicros  // a hit is current by the invalidation contract
        case .replica: trueAsOf = replicas[replica].positionMicros
        case .olap: trueAsOf = olap.reportedThroughMicros ?? config.startMicros
        }
        if commits.stalenessMicros(asOfMicros: trueAsOf, nowMicros: nowMicros) > levelBoundMicros[level] {
            levelCounts[level].stale += 1
            interval.stale += 1
        }
        if let w = options.writtenAtMicros {
            levelCounts[level].ryw += 1
            if trueAsOf < w { levelCounts[level].rywViolations += 1 }
        }
        if level == 1 {
            interval.eventual += 1
            if meta.sourceKind == .primary {
                fallbackToPrimary += 1
                interval.fallbacks += 1
            }
        }
    }

    func completeRead(_ job: ReadJob) {
        let ms = SimTime.millis(nanos: kernel.nowNanos - job.arrivalNanos + job.penaltyNanos)
        readLatencyMs[job.level].record(ms)
        intervalLatency[job.level].record(ms)
    }

    // MARK: replicas and OLAP

    func replayTick() {
        let now = kernel.nowNanos
        for r in replicas { r.advance(nowNanos: now) }
        kernel.schedule(replayTickKind, afterNanos: Swift.max(1, SimTime.nanos(millis: config.topology.replayTickMs)))
    }

    func probeTick() {
        let nowMicros = kernel.clock.nowMicros
        for (i, r) in replicas.enumerated() {
            r.probe()
            replicaLagSeconds[i].record(Double(r.lagMicros(nowMicros: nowMicros)) / 1e6)
        }
        kernel.schedule(probeKind, afterNanos: SimTime.nanos(millis: config.topology.lagProbeIntervalMs))
    }

    /// A CDC load completes: the OLAP store now holds every commit up to the pipeline delay ago.
    func olapLoad() {
        let through = kernel.clock.nowMicros - Int64(config.topology.olap.pipelineDelaySeconds * 1e6)
        olap.reportedThroughMicros = Swift.max(olap.reportedThroughMicros ?? through, through)
        kernel.schedule(olapLoadKind, afterNanos: SimTime.nanos(seconds: config.topology.olap.loadIntervalSeconds))
    }
}
