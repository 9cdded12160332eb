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
        // Healthy: measured and below the max lag.
        var healthy: [Route] = []
        for replica in replicas {
            guard let (lag, asOf) = freshness(of: replica, nowMicros: now), lag < config.replicaMaxLagMicros else {
                counters.replicaSkipsForLag += 1
                continue
            }
            healthy.append(Route(source: replica, lagMicros: lag, asOfMicros: asOf, reason: .replicaWithinTarget,
                                 reportsToBreaker: true))
        }
        guard !healthy.isEmpty else {
            counters.allReplicasSkipped += 1
            breaker.recordFailure()
            return try primary(.primaryAllReplicasLagging)
        }
        let replayed = healthy.filter { r in options.writtenAtMicros.map { r.asOfMicros >= $0 } ?? true }
        guard !replayed.isEmpty else {
            counters.readYourWritesFallbacks += 1
            return try primary(.primaryReadYourWrites)
        }
        let eligible = replayed.filter { r in maxLagMicros.map { r.lagMicros <= $0 } ?? true }
        guard !eligible.isEmpty else {
            counters.maxLagFallbacks += 1
            return try primary(.primaryMaxLag)
        }
        var chosen: Route
        let withinTarget = eligible.filter { $0.lagMicros < config.replicaTargetLagMicros }
        if admission == .tryReplicas, !withinTarget.isEmpty {
            chosen = withinTarget[rotation % withinTarget.count]
            rotation &+= 1
        } else {
            // The probe, or nothing below the target: the lowest lag (first on ties).
            chosen = eligible.min { $0.lagMicros < $1.lagMicros }!
        }
        if chosen.lagMicros >= config.replicaTargetLagMicros {
            chosen.reason = .replicaAboveTarget
            chosen.warnings = [.replicaLagAboveTarget(lagMicros: chosen.lagMicros)]
            counters.replicaLagWarnings += 1
        }
        return chosen
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
