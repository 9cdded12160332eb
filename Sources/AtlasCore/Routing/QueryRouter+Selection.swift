/// Source selection: which source serves a read, before it runs (see `QueryRouter`).
extension QueryRouter {
    func choose(_ options: ReadOptions, maxLagMicros: Int64?, nowMicros now: Int64) throws -> Route {
        switch options.consistency {
        case .strong:
            return try primaryRoute(.strong, maxLagMicros: maxLagMicros, consistency: .strong, nowMicros: now)
        case .eventual:
            return try chooseEventual(options, maxLagMicros: maxLagMicros, nowMicros: now)
        case .analytics:
            return try chooseAnalytics(options, maxLagMicros: maxLagMicros, nowMicros: now)
        }
    }

    func chooseEventual(_ options: ReadOptions, maxLagMicros: Int64?, nowMicros now: Int64) throws -> Route {
        func primary(_ reason: RouteReason) throws -> Route {
            try primaryRoute(reason, maxLagMicros: maxLagMicros, consistency: .eventual, nowMicros: now)
        }
        guard !replicas.isEmpty else { return try primary(.primaryNoReplicas) }
        let admission = breaker.admission()
        if admission == .skipReplicas {
            counters.breakerOpenReads += 1
            return try primary(.primaryBreakerOpen)
        }
        // Healthy: measured and below the max lag; then replayed the client's write, then
        // within the request's max lag. Filtered in place in a stack buffer: this runs
        // for every eventual read that misses the cache.
        return try withUnsafeTemporaryAllocation(of: Candidate.self, capacity: replicas.count) { buffer in
            var n = 0
            for (i, replica) in replicas.enumerated() {
                guard let (lag, asOf) = freshness(of: replica, nowMicros: now), lag < config.replicaMaxLagMicros else {
                    counters.replicaSkipsForLag += 1
                    continue
                }
                buffer[n] = Candidate(index: i, lagMicros: lag, asOfMicros: asOf)
                n += 1
            }
            guard n > 0 else {
                counters.allReplicasSkipped += 1
                breaker.recordFailure()
                return try primary(.primaryAllReplicasLagging)
            }
            if let w = options.writtenAtMicros { n = Self.keep(buffer, n) { $0.asOfMicros >= w } }
            guard n > 0 else {
                counters.readYourWritesFallbacks += 1
                return try primary(.primaryReadYourWrites)
            }
            if let m = maxLagMicros { n = Self.keep(buffer, n) { $0.lagMicros <= m } }
            guard n > 0 else {
                counters.maxLagFallbacks += 1
                return try primary(.primaryMaxLag)
            }
            let target = config.replicaTargetLagMicros
            let withinTarget = buffer[0..<n].lazy.filter { $0.lagMicros < target }.count
            var pick: Candidate
            if admission == .tryReplicas, withinTarget > 0 {
                // Round-robin over those within the target.
                let k = rotation % withinTarget
                rotation &+= 1
                pick = buffer[0..<n].lazy.filter { $0.lagMicros < target }.dropFirst(k).first!
            } else {
                // The probe, or nothing below the target: the lowest lag (first on ties).
                pick = buffer[0]
                for c in buffer[1..<n] where c.lagMicros < pick.lagMicros { pick = c }
            }
            var chosen = Route(source: replicas[pick.index], lagMicros: pick.lagMicros, asOfMicros: pick.asOfMicros,
                               reason: .replicaWithinTarget, reportsToBreaker: true)
            if chosen.lagMicros >= target {
                chosen.reason = .replicaAboveTarget
                chosen.warnings = [.replicaLagAboveTarget(lagMicros: chosen.lagMicros)]
                counters.replicaLagWarnings += 1
            }
            return chosen
        }
    }

    /// A replica still in the running, with its measured freshness.
    struct Candidate {
        var index: Int
        var lagMicros: Int64
        var asOfMicros: Int64
    }

    /// Keeps, in order, the first `n` candidates that satisfy `keep`; returns how many.
    static func keep(_ buffer: UnsafeMutableBufferPointer<Candidate>, _ n: Int, _ keep: (Candidate) -> Bool) -> Int {
        var kept = 0
        for i in 0..<n where keep(buffer[i]) {
            buffer[kept] = buffer[i]
            kept += 1
        }
        return kept
    }

    func chooseAnalytics(_ options: ReadOptions, maxLagMicros: Int64?, nowMicros now: Int64) throws -> Route {
        guard let olap else { throw ReadRoutingError.noAnalyticsSource }
        guard let (lag, asOf) = freshness(of: olap, nowMicros: now) else {
            throw ReadRoutingError.freshnessUnknown(source: olap.name)
        }
        if let w = options.writtenAtMicros, asOf < w {
            counters.readYourWritesFallbacks += 1
            return try primaryRoute(.primaryReadYourWrites, maxLagMicros: maxLagMicros, consistency: .analytics,
                                    nowMicros: now)
        }
        if let m = maxLagMicros, lag > m {
            counters.maxLagRejections += 1
            throw ReadRoutingError.maxLagExceeded(consistency: .analytics, source: olap.name, lagMicros: lag,
                                                  maxLagMicros: m)
        }
        var route = Route(source: olap, lagMicros: lag, asOfMicros: asOf, reason: .olap)
        if lag > config.olapMaxLagMicros {
            route.reason = .olapStale
            route.warnings = [.analyticsStale(lagMicros: lag)]
            counters.olapStaleReads += 1
        }
        return route
    }

    /// The primary as the route, still held to `maxLagMicros` (a primary reports lag 0,
    /// but a promoted or simulated one may not).
    func primaryRoute(_ reason: RouteReason, maxLagMicros: Int64?, consistency: ConsistencyLevel,
                      nowMicros now: Int64) throws -> Route {
        guard let (lag, asOf) = freshness(of: primary, nowMicros: now) else {
            throw ReadRoutingError.freshnessUnknown(source: primary.name)
        }
        if let m = maxLagMicros, lag > m {
            counters.maxLagRejections += 1
            throw ReadRoutingError.maxLagExceeded(consistency: consistency, source: primary.name, lagMicros: lag,
                                                  maxLagMicros: m)
        }
        return Route(source: primary, lagMicros: lag, asOfMicros: asOf, reason: reason)
    }

    /// (lag, replayed-through) of `source` now, or nil when unmeasured. A position ahead
    /// of our clock counts as "now" (lag 0), never as negative lag.
    func freshness(of source: any ReadSource, nowMicros now: Int64) -> (Int64, Int64)? {
        guard let through = source.replayedThroughMicros(nowMicros: now) else { return nil }
        let asOf = min(through, now)
        return (now - asOf, asOf)
    }
}
