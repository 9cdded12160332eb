import Testing
@testable import AtlasCore

@Suite("QueryRouter: levels and lag thresholds")
struct QueryRouterThresholdTests {
    @Test("strong reads go to the primary with lag 0, whatever the replicas")
    func strongGoesToPrimary() throws {
        let w = RoutingWorld()
        w.setLag(0, micros: 0)
        let r = try w.router.read(.strong) { $0.name }
        #expect(r.value == "primary")
        #expect(r.freshness.lagMicros == 0 && r.freshness.reason == .strong && r.freshness.cacheStatus == .bypass)
        #expect(w.router.counters.strongReads == 1 && w.router.counters.primaryReads == 1)
    }

    @Test("replica lag edges: under 3 s plain, at 3 s and under 5 s warn, at 5 s skip",
          arguments: [
            (3 * second - 1, "replica-1", RouteReason.replicaWithinTarget, false),
            (3 * second, "replica-1", .replicaAboveTarget, true),
            (5 * second - 1, "replica-1", .replicaAboveTarget, true),
            (5 * second, "primary", .primaryAllReplicasLagging, false),
          ])
    func lagEdges(lag: Int64, source: String, reason: RouteReason, warns: Bool) throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setLag(0, micros: lag)
        let r = try w.eventual()
        #expect(r.value == source)
        #expect(r.freshness.reason == reason)
        #expect(r.freshness.warnings == (warns ? [.replicaLagAboveTarget(lagMicros: lag)] : []))
        #expect(w.router.counters.replicaLagWarnings == (warns ? 1 : 0))
        #expect(w.router.counters.allReplicasSkipped == (source == "primary" ? 1 : 0))
        #expect(r.freshness.lagMicros == (source == "primary" ? 0 : lag))
    }

    @Test("replicas below target take turns; otherwise the lowest lag wins")
    func selection() throws {
        let w = RoutingWorld(replicaCount: 3)
        w.setLag(0, micros: 1 * second)
        w.setLag(1, micros: 6 * second)
        w.setLag(2, micros: 2 * second)
        let names = try (0..<4).map { _ in try w.eventual().value }
        #expect(names == ["replica-1", "replica-3", "replica-1", "replica-3"])
        #expect(w.router.counters.replicaSkipsForLag == 4)  // replica-2, each read
        w.setLag(0, micros: 4_500_000)
        w.setLag(2, micros: 3_500_000)
        #expect(try w.eventual().value == "replica-3")
    }

    @Test("an unmeasured replica is skipped, never assumed fresh")
    func unmeasuredSkipped() throws {
        let w = RoutingWorld(replicaCount: 1)
        let r = try w.eventual()
        #expect(r.value == "primary" && r.freshness.reason == .primaryAllReplicasLagging)
    }

    @Test("no replicas: eventual reads go to the primary and the breaker stays out of it")
    func noReplicas() throws {
        let w = RoutingWorld(replicaCount: 0)
        for _ in 0..<10 { #expect(try w.eventual().freshness.reason == .primaryNoReplicas) }
        #expect(w.router.breaker.alerts.isEmpty)
    }

    @Test("a failing replica read is retried on the primary and counts for the breaker")
    func replicaErrorFallsBack() throws {
        let w = RoutingWorld(replicaCount: 1, withCache: false)
        w.setLag(0, micros: 0)
        w.store["replica-1"]!.failNextRead = ConnectionLost()
        let r = try w.router.findEntities(HotQuery(tenantID: 1, predicates: []), executor: w.stores)
        #expect(r.freshness.source == "primary" && r.freshness.reason == .primaryAfterReplicaError)
        #expect(w.router.counters.replicaErrors == 1)
        #expect(w.router.breaker.state == .closed(consecutiveFailures: 1))
        // A refused query is not the replica's fault: it propagates, nothing is counted.
        #expect(throws: QueryError.self) {
            _ = try w.router.read(.eventual) { _ -> Int in throw QueryError.invalidLimit(0) }
        }
        #expect(w.router.counters.replicaErrors == 1)
    }

    @Test("a missing store for the chosen source is a typed error")
    func noStore() throws {
        let w = RoutingWorld(replicaCount: 1, withCache: false)
        let router = QueryRouter(clock: w.clock, primary: PrimarySource(name: "elsewhere"))
        #expect(throws: ReadRoutingError.noStore(source: "elsewhere")) {
            _ = try router.findEntities(HotQuery(tenantID: 1, predicates: []), options: .strong, executor: w.stores)
        }
        // A replica with no store is a configuration error: it propagates, no silent fallback.
        let ghost = ReportedSource(name: "ghost", kind: .replica, reportedThroughMicros: w.clock.nowMicros)
        let r2 = QueryRouter(clock: w.clock, primary: w.primary, replicas: [ghost])
        #expect(throws: ReadRoutingError.noStore(source: "ghost")) {
            _ = try r2.findEntities(HotQuery(tenantID: 1, predicates: []), executor: w.stores)
        }
        #expect(r2.counters.replicaErrors == 0)
    }
}

@Suite("QueryRouter: circuit breaker")
struct QueryRouterBreakerTests {
    @Test("5 consecutive all-lagging reads alert; then replicas are skipped; a probe recovers")
    func breakerCycle() throws {
        let w = RoutingWorld(replicaCount: 2, breaker: .init(failureThreshold: 5, coolDownMicros: 30 * second))
        w.setLag(0, micros: 5 * second)
        w.setLag(1, micros: 9 * second)
        for i in 1...4 {
            #expect(try w.eventual().value == "primary")
            #expect(w.router.breaker.state == .closed(consecutiveFailures: i))
        }
        #expect(w.router.breaker.alerts.isEmpty)
        #expect(try w.eventual().freshness.reason == .primaryAllReplicasLagging)
        #expect(w.router.breaker.alerts.map(\.kind) == [.replicaLagCritical])
        #expect(w.router.counters.allReplicasSkipped == 5)

        // Open: replicas skipped outright, even a fresh one, until the cool-down ends.
        w.setLag(0, micros: 0)
        w.clock.advance(byMicros: 30 * second - 1)
        w.setLag(0, micros: 0)
        let skipped = try w.eventual()
        #expect(skipped.value == "primary" && skipped.freshness.reason == .primaryBreakerOpen)
        #expect(w.router.counters.breakerOpenReads == 1 && w.router.counters.allReplicasSkipped == 5)

        // Half-open: one probe on the best replica; success closes.
        w.clock.advance(byMicros: 1)
        w.setLag(0, micros: 4 * second)  // best, even though in the warning band
        w.setLag(1, micros: 4_500_000)
        let probe = try w.eventual()
        #expect(probe.value == "replica-1" && probe.freshness.reason == .replicaAboveTarget)
        #expect(w.router.breaker.state == .closed(consecutiveFailures: 0))
        #expect(w.router.breaker.alerts.map(\.kind) == [.replicaLagCritical, .replicaLagRecovered])
    }

    @Test("a probe that still finds every replica lagging re-opens without a new alert")
    func failedProbe() throws {
        let w = RoutingWorld(replicaCount: 1, breaker: .init(failureThreshold: 2, coolDownMicros: 10 * second))
        w.setLag(0, micros: 6 * second)
        _ = try w.eventual()
        _ = try w.eventual()
        w.clock.advance(byMicros: 10 * second)
        w.setLag(0, micros: 6 * second)
        #expect(try w.eventual().freshness.reason == .primaryAllReplicasLagging)
        #expect(w.router.breaker.state == .open(sinceMicros: w.clock.nowMicros))
        #expect(w.router.breaker.alerts.count == 1 && w.router.breaker.counters.reopens == 1)
        #expect(try w.eventual().freshness.reason == .primaryBreakerOpen)
    }

    @Test("a probe the request itself excludes (read-your-writes) leaves the breaker half-open")
    func requestExcludedProbe() throws {
        let w = RoutingWorld(replicaCount: 1, breaker: .init(failureThreshold: 1, coolDownMicros: 1 * second))
        w.setLag(0, micros: 5 * second)
        _ = try w.eventual()
        w.clock.advance(byMicros: 1 * second)
        w.setLag(0, micros: 1 * second)
        let r = try w.eventual(ReadOptions(writtenAtMicros: w.clock.nowMicros))
        #expect(r.value == "primary" && r.freshness.reason == .primaryReadYourWrites)
        #expect(w.router.breaker.state == .halfOpen)
        #expect(try w.eventual().value == "replica-1")
        #expect(w.router.breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test("a healthy replica read in between resets the consecutive count")
    func successResets() throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setLag(0, micros: 7 * second)
        for _ in 0..<4 { _ = try w.eventual() }
        w.setLag(0, micros: 1 * second)
        _ = try w.eventual()
        w.setLag(0, micros: 7 * second)
        for _ in 0..<4 { _ = try w.eventual() }
        #expect(w.router.breaker.alerts.isEmpty)
        #expect(w.router.breaker.state == .closed(consecutiveFailures: 4))
    }
}

@Suite("QueryRouter: read-your-writes and maxLagSeconds")
struct QueryRouterGuaranteeTests {
    @Test("read-your-writes: a replica that has replayed the write serves it, else the primary")
    func readYourWrites() throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setLag(0, micros: 2 * second)
        let replayed = w.clock.nowMicros - 2 * second
        #expect(try w.eventual(ReadOptions(writtenAtMicros: replayed)).value == "replica-1")
        let r = try w.eventual(ReadOptions(writtenAtMicros: replayed + 1))
        #expect(r.value == "primary" && r.freshness.reason == .primaryReadYourWrites)
        #expect(w.router.counters.readYourWritesFallbacks == 1)
        #expect(w.router.breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test("eventual maxLagSeconds: replicas over it are passed over for the primary")
    func eventualMaxLag() throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setLag(0, micros: 2 * second)
        #expect(try w.eventual(ReadOptions(maxLagSeconds: 2)).value == "replica-1")
        let r = try w.eventual(ReadOptions(maxLagSeconds: 1.999_999))
        #expect(r.value == "primary" && r.freshness.reason == .primaryMaxLag && r.freshness.lagMicros == 0)
        #expect(w.router.counters.maxLagFallbacks == 1)
    }

    @Test("analytics maxLagSeconds: an OLAP store too far behind fails with a typed error")
    func analyticsMaxLagFails() throws {
        let w = RoutingWorld()
        w.setOLAPLag(micros: 10 * minute)
        #expect(throws: ReadRoutingError.maxLagExceeded(consistency: .analytics, source: "olap",
                                                        lagMicros: 10 * minute, maxLagMicros: 60 * second)) {
            _ = try w.router.read(ReadOptions(consistency: .analytics, maxLagSeconds: 60)) { $0.name }
        }
        #expect(w.router.counters.maxLagRejections == 1 && w.router.counters.olapReads == 0)
        #expect(try w.router.read(ReadOptions(consistency: .analytics, maxLagSeconds: 600)) { $0.name }.value == "olap")
        let e = ReadRoutingError.maxLagExceeded(consistency: .analytics, source: "olap", lagMicros: 600 * second,
                                                maxLagMicros: 60 * second)
        #expect(e.description == "analytics read: source 'olap' lags 600 s, more than the requested maxLagSeconds 60")
    }

    @Test("a primary that reports lag is held to maxLagSeconds too")
    func laggingPrimaryFails() throws {
        let clock = ManualClock(nowMicros: t0)
        let promoted = ReportedSource(name: "promoted", kind: .primary, reportedThroughMicros: t0 - 2 * second)
        let router = QueryRouter(clock: clock, primary: promoted)
        #expect(throws: ReadRoutingError.maxLagExceeded(consistency: .strong, source: "promoted",
                                                        lagMicros: 2 * second, maxLagMicros: 1 * second)) {
            _ = try router.read(ReadOptions(consistency: .strong, maxLagSeconds: 1)) { $0.name }
        }
    }

    @Test("invalid maxLagSeconds is refused before routing", arguments: [-1.0, .nan, .infinity])
    func invalidMaxLag(seconds: Double) throws {
        let w = RoutingWorld()
        #expect(throws: ReadRoutingError.self) {
            _ = try w.router.read(ReadOptions(maxLagSeconds: seconds)) { $0.name }
        }
        #expect(throws: ReadRoutingError.self) {
            _ = try w.router.hotAttributes(tenantID: 1, entityID: 7, options: ReadOptions(maxLagSeconds: seconds),
                                           executor: w.stores)
        }
        #expect(w.router.counters.reads == 0)
    }
}

@Suite("QueryRouter: analytics")
struct QueryRouterAnalyticsTests {
    @Test("OLAP staleness warning edges: at 15 min none, past it a warning",
          arguments: [(15 * minute, false), (15 * minute + 1, true)])
    func staleness(lag: Int64, warns: Bool) throws {
        let w = RoutingWorld()
        w.setOLAPLag(micros: lag)
        let r = try w.router.attributeDistribution(
            DistributionQuery(tenantID: 1, categoryAttributeID: 1, window: TimeRange(fromMicros: 0, toMicros: 1)),
            executor: w.stores)
        #expect(r.freshness.source == "olap" && r.freshness.sourceKind == .olap)
        #expect(r.freshness.reason == (warns ? .olapStale : .olap))
        #expect(r.freshness.warnings == (warns ? [.analyticsStale(lagMicros: lag)] : []))
        #expect(r.freshness.asOfMicros == w.clock.nowMicros - lag)
        #expect(w.router.counters.olapStaleReads == (warns ? 1 : 0))
    }

    @Test("analytics without an OLAP source, or before its first load, fails with a typed error")
    func missingOLAP() throws {
        let none = RoutingWorld(withOLAP: false)
        #expect(throws: ReadRoutingError.noAnalyticsSource) { _ = try none.router.read(.analytics) { $0.name } }
        let unloaded = RoutingWorld()
        #expect(throws: ReadRoutingError.freshnessUnknown(source: "olap")) {
            _ = try unloaded.router.read(.analytics) { $0.name }
        }
    }

    @Test("analytics read-your-writes falls back to the primary")
    func analyticsReadYourWrites() throws {
        let w = RoutingWorld()
        w.setOLAPLag(micros: 5 * minute)
        let r = try w.router.read(ReadOptions(consistency: .analytics, writtenAtMicros: w.clock.nowMicros - 1)) { $0.name }
        #expect(r.value == "primary" && r.freshness.reason == .primaryReadYourWrites)
    }
}

@Suite("QueryRouter: cache")
struct QueryRouterCacheTests {
    @Test("eventual point lookups: miss → replica → fill; then a hit with lag 0")
    func cacheAside() throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setLag(0, micros: 1 * second)
        let miss = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)
        #expect(miss.value?.hotAttributes["source"] == .text("replica-1"))
        #expect(miss.freshness.cacheStatus == .miss && !miss.freshness.cached)
        let hit = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)
        #expect(hit.value?.hotAttributes["source"] == .text("replica-1"))
        #expect(hit.freshness.source == "cache" && hit.freshness.cached && hit.freshness.lagMicros == 0)
        #expect(hit.freshness.reason == .cacheHit)
        #expect(w.store["replica-1"]!.reads == 1)
        #expect(w.router.counters.cacheHits == 1 && w.router.counters.readsBySource["cache"] == 1)
        // A hit satisfies any maxLagSeconds and a write already invalidated.
        let strict = try w.router.hotAttributes(tenantID: 1, entityID: 7,
                                                options: ReadOptions(maxLagSeconds: 0, writtenAtMicros: w.clock.nowMicros),
                                                executor: w.stores)
        #expect(strict.freshness.cached)
    }

    @Test("strong and analytics lookups bypass the cache and do not fill it")
    func bypass() throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setOLAPLag(micros: 0)
        for options in [ReadOptions.strong, .analytics] {
            let r = try w.router.hotAttributes(tenantID: 1, entityID: 7, options: options, executor: w.stores)
            #expect(r.freshness.cacheStatus == .bypass)
        }
        #expect(w.cache.count == 0 && w.cache.counters.hits + w.cache.counters.misses == 0)
    }

    @Test("the write path's invalidation makes the next read go back to the source")
    func invalidationHook() throws {
        let w = RoutingWorld(replicaCount: 0)
        _ = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)
        w.clock.advance(byMicros: 100_000)
        w.store["primary"]!.put(tenantID: 1, entityID: 7, ["source": .text("primary, updated")])
        w.cache.invalidate(tenantID: 1, entityIDs: [7])
        w.clock.advance(byMicros: 1)
        let r = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)
        #expect(r.value?.hotAttributes["source"] == .text("primary, updated") && !r.freshness.cached)
        #expect(try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores).freshness.cached)
    }

    @Test("a replica answer older than an invalidation is served but not cached")
    func fillRace() throws {
        let w = RoutingWorld(replicaCount: 1)
        w.setLag(0, micros: 2 * second)
        w.cache.invalidate(tenantID: 1, entityIDs: [7])  // a commit the replica has not replayed
        let r = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)
        #expect(r.freshness.source == "replica-1" && r.freshness.lagMicros == 2 * second)
        #expect(w.cache.count == 0 && w.cache.counters.refusedFills == 1)
    }

    @Test("tenant B never receives tenant A's cached entity with the same id")
    func tenantIsolation() throws {
        let w = RoutingWorld(replicaCount: 0)
        w.store["primary"]!.put(tenantID: 2, entityID: 7, ["source": .text("tenant-B")])
        _ = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)  // A's entity cached
        let b = try w.router.hotAttributes(tenantID: 2, entityID: 7, executor: w.stores)
        #expect(!b.freshness.cached && b.value?.hotAttributes["source"] == .text("tenant-B"))
        let none = try w.router.hotAttributes(tenantID: 3, entityID: 7, executor: w.stores)
        #expect(!none.freshness.cached && none.value == nil)
        #expect(try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores).value?
                    .hotAttributes["source"] == .text("primary"))
    }

    @Test("query time comes from the injected clock")
    func queryDuration() throws {
        let w = RoutingWorld(replicaCount: 0, withCache: false)
        w.store["primary"]!.clock = w.clock
        w.store["primary"]!.readMicros = 23_000
        let r = try w.router.hotAttributes(tenantID: 1, entityID: 7, executor: w.stores)
        #expect(r.freshness.queryMicros == 23_000 && r.freshness.queryMs == 23)
        #expect(r.freshness.cacheStatus == .bypass)
    }
}

@Suite("QueryRouter: failing sources")
struct QueryRouterFailureTests {
    @Test("a half-open probe whose replica read fails re-opens the breaker; the primary serves the read")
    func probeReadFails() throws {
        let w = RoutingWorld(replicaCount: 1, withCache: false, breaker: .init(failureThreshold: 2, coolDownMicros: 10 * second))
        w.setLag(0, micros: 6 * second)
        _ = try w.eventual()
        _ = try w.eventual()
        #expect(w.router.breaker.alerts.map(\.kind) == [.replicaLagCritical])
        w.clock.advance(byMicros: 10 * second)
        w.setLag(0, micros: 0)
        w.store["replica-1"]!.failNextRead = ConnectionLost()
        let r = try w.router.findEntities(HotQuery(tenantID: 1, predicates: []), executor: w.stores)
        #expect(r.freshness.source == "primary" && r.freshness.reason == .primaryAfterReplicaError)
        #expect(w.router.counters.replicaErrors == 1)
        #expect(w.router.breaker.state == .open(sinceMicros: w.clock.nowMicros))
        #expect(w.router.breaker.counters.reopens == 1 && w.router.breaker.alerts.count == 1)
        // Still open: the next read skips the replica without trying it.
        let before = w.store["replica-1"]!.reads
        #expect(try w.eventual().freshness.reason == .primaryBreakerOpen)
        #expect(w.store["replica-1"]!.reads == before)
    }

    @Test("when the primary retry after a replica error fails too, that error reaches the caller, counted once")
    func retryOnPrimaryFails() throws {
        let w = RoutingWorld(replicaCount: 1, withCache: false)
        w.setLag(0, micros: 0)
        w.store["replica-1"]!.failNextRead = ConnectionLost()
        w.store["primary"]!.failNextRead = ConnectionLost()
        #expect(throws: ConnectionLost.self) {
            _ = try w.router.findEntities(HotQuery(tenantID: 1, predicates: []), executor: w.stores)
        }
        #expect(w.router.counters.replicaErrors == 1)
        #expect(w.router.breaker.state == .closed(consecutiveFailures: 1))
        #expect(w.store["replica-1"]!.reads == 1 && w.store["primary"]!.reads == 1)
        #expect(w.router.counters.primaryReads == 0 && w.router.counters.replicaReads == 0)  // nothing was served
        // The sources are fine again: the replica serves the next read.
        #expect(try w.router.findEntities(HotQuery(tenantID: 1, predicates: []), executor: w.stores).freshness.source == "replica-1")
    }
}
