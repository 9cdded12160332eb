import AtlasCore
import AtlasStats
import AtlasStorage
import Testing

/// The one conformance suite: every check runs against every store (memory, SQLite,
/// and PostgreSQL through `PostgresConformanceTests`). A new backend adds a factory.
enum StoreConformance {
    struct Check: Sendable, CustomStringConvertible {
        let name: String
        let run: @Sendable (StoreFactory) throws -> Void
        var description: String { name }
    }

    static let checks: [Check] = [
        Check(name: "dual write and point lookup", run: dualWriteAndPointLookup),
        Check(name: "late arrival never overwrites", run: lateArrivalNeverOverwrites),
        Check(name: "same timestamp readings both survive", run: sameTimestampBothSurvive),
        Check(name: "idempotent replay", run: idempotentReplay),
        Check(name: "flush atomicity", run: flushAtomicity),
        Check(name: "cross-tenant access returns nothing", run: crossTenant),
        Check(name: "query 1 filters and order", run: query1),
        Check(name: "query 2 distribution", run: query2),
        Check(name: "unbounded and bad queries refused", run: refusedQueries),
        Check(name: "rejected readings never reach a table", run: rejectedNeverStored),
        Check(name: "randomized equivalence with the memory store", run: randomizedEquivalence),
    ]

    typealias R = Fixture

    static func dualWriteAndPointLookup(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        let ack = try p.ingest([
            R.reading(1, 100, 1, .text("online"), at: t),
            R.reading(1, 100, 3, .int(8), at: t),
            R.reading(1, 100, 5, .decimal(72.123456), at: t), // cold, rounded to 72.12346
            R.reading(1, 100, 7, .bool(true), at: t),
            R.reading(1, 100, 8, .timestamp(micros: t - 5), at: t + 1),
            R.reading(1, 100, 10, .decimal(-0.5), at: t),
            R.reading(1, 101, 6, .text("pump"), at: t, type: "pump"),
        ])
        #expect(ack.acceptedCount == 7 && ack.rejections.isEmpty)
        #expect(try p.store.stagedCount() == 7)
        // Staged is not visible.
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 100) == nil)
        let r = try p.flush()
        #expect(r.rowsInserted == 7)
        #expect(r.entitiesRegistered == 2)
        #expect(r.hotCellsWritten == 5)
        #expect(r.flushedThroughOffset == 7)
        #expect(try p.store.stagedCount() == 0)
        #expect(try p.store.flushedOffset() == 7)
        let snap = try #require(try p.store.hotAttributes(tenantID: 1, entityID: 100))
        #expect(snap.hotAttributes == ["status": .text("online"), "priority": .int(8), "online": .bool(true),
                                       "last_seen": .timestamp(micros: t - 5), "load": .decimal(-0.5)])
        #expect(snap.updatedAtMicros == t + 1)
        #expect(snap.entityType == "device")
        // Cold-only entity has no hot projection, but is registered with its type.
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 101) == nil)
        #expect(try p.store.entityOwner(101) == 1)
        let h = try p.store.history(HistoryQuery(tenantID: 1, entityID: 100, attributeID: 5, range: R.everything))
        #expect(h == [HistoryPoint(ingestedAtMicros: t, value: .decimal(72.12346))])
        #expect(try p.store.counts(tenantID: 1) == StoreCounts(entities: 2, timeSeriesRows: 7, hotEntities: 1))
    }

    static func lateArrivalNeverOverwrites(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        try p.ingest([R.reading(1, 7, 1, .text("new"), at: t + 10)])
        try p.flush()
        // A late, older reading in a later flush.
        try p.ingest([R.reading(1, 7, 1, .text("old"), at: t + 5)])
        let r = try p.flush()
        #expect(r.hotCellsSkippedAsOlder == 1 && r.hotCellsWritten == 0)
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 7)?.hotAttributes["status"] == .text("new"))
        // Late arrival inside one batch, in both orders.
        try p.ingest([R.reading(1, 8, 1, .text("b-new"), at: t + 20), R.reading(1, 8, 1, .text("b-old"), at: t + 1),
                      R.reading(1, 9, 1, .text("c-old"), at: t + 1), R.reading(1, 9, 1, .text("c-new"), at: t + 20)])
        try p.flush()
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 8)?.hotAttributes["status"] == .text("b-new"))
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 9)?.hotAttributes["status"] == .text("c-new"))
        // Both values stay in the history, in time order.
        let h = try p.store.history(HistoryQuery(tenantID: 1, entityID: 7, attributeID: 1, range: R.everything))
        #expect(h.map(\.value) == [.text("old"), .text("new")])
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 7)?.updatedAtMicros == t + 10)
    }

    static func sameTimestampBothSurvive(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        // Same tenant, entity, attribute and timestamp: the spec's key would drop one.
        try p.ingest([R.reading(1, 5, 3, .int(1), at: t), R.reading(1, 5, 3, .int(2), at: t)])
        try p.ingest([R.reading(1, 5, 3, .int(3)), R.reading(1, 5, 3, .int(4))]) // both default to clock time t
        let r = try p.flush()
        #expect(r.rowsInserted == 4)
        let h = try p.store.history(HistoryQuery(tenantID: 1, entityID: 5, attributeID: 3, range: R.everything))
        #expect(h.map(\.value) == [.int(1), .int(2), .int(3), .int(4)])
        // Equal times: the later log offset wins.
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 5)?.hotAttributes["priority"] == .int(4))
    }

    static func idempotentReplay(_ make: StoreFactory) throws {
        let store = try make()
        let p = try Fixture.Pipeline(store)
        let t = Fixture.t0
        for i in 0..<10 { try p.ingest([R.reading(1, 40 + Int64(i % 3), 3, .int(Int64(i)), at: t + Int64(i))]) }
        try p.flush()
        for i in 10..<20 { try p.ingest([R.reading(1, 40 + Int64(i % 3), 3, .int(Int64(i)), at: t + Int64(i))]) }
        // Crash before the second flush: staging lost, log intact. Recover replays past the flushed offset.
        let restaged = try p.ingestor.recover()
        #expect(restaged == 10)
        try p.flush()
        // Recover again (a second crash after the flush): nothing is re-added.
        #expect(try p.ingestor.recover() == 0)
        try p.flush()
        // A replay of already flushed offsets straight into staging is dropped by stage_flush.
        try store.stage(try p.log.read(from: 1, maxCount: 5))
        let r = try p.flush()
        #expect(r.rowsInserted == 0)
        #expect(try store.counts(tenantID: 1).timeSeriesRows == 20)
        var total = 0
        for e in Int64(40)...42 {
            let h = try store.history(HistoryQuery(tenantID: 1, entityID: e, attributeID: 3, range: R.everything))
            #expect(Set(h.map(\.value)).count == h.count) // no duplicates
            total += h.count
        }
        #expect(total == 20)
        #expect(try store.hotAttributes(tenantID: 1, entityID: 40)?.hotAttributes["priority"] == .int(18))
    }

    static func flushAtomicity(_ make: StoreFactory) throws {
        for point in [FlushFaultPoint.afterTimeSeriesInsert, .beforeOffsetRecord] {
            let store = try make()
            guard let injectable = store as? any FlushFaultInjectable else {
                Issue.record("store \(store.name) does not support flush fault injection")
                return
            }
            let p = try Fixture.Pipeline(store)
            let t = Fixture.t0
            try p.ingest([R.reading(1, 1, 1, .text("a"), at: t), R.reading(1, 1, 5, .decimal(1), at: t)])
            try p.flush()
            try p.ingest([R.reading(1, 1, 1, .text("b"), at: t + 1), R.reading(1, 2, 1, .text("c"), at: t + 1),
                          R.reading(1, 2, 5, .decimal(2), at: t + 1)])
            let before = try store.counts(tenantID: 1)
            injectable.injectedFlushFault = point
            #expect(throws: InjectedFault.self) { try p.flush() }
            // Staging intact, tables and offset unchanged.
            #expect(try store.stagedCount() == 3)
            #expect(try store.counts(tenantID: 1) == before)
            #expect(try store.flushedOffset() == 2)
            #expect(try store.hotAttributes(tenantID: 1, entityID: 1)?.hotAttributes["status"] == .text("a"))
            #expect(try store.hotAttributes(tenantID: 1, entityID: 2) == nil)
            // The retried flush applies everything exactly once.
            let r = try p.flush()
            #expect(r.rowsInserted == 3 && r.entitiesRegistered == 1)
            #expect(try store.counts(tenantID: 1) == StoreCounts(entities: 2, timeSeriesRows: 5, hotEntities: 2))
            #expect(try store.hotAttributes(tenantID: 1, entityID: 1)?.hotAttributes["status"] == .text("b"))
        }
    }

    static func crossTenant(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        try p.ingest([R.reading(1, 500, 2, .text("production"), at: t), R.reading(1, 500, 6, .text("pump"), at: t),
                      R.reading(1, 500, 5, .decimal(3), at: t)])
        // Tenant 2 claims tenant 1's staged entity: rejected before and after the flush.
        var ack = try p.ingest([R.reading(2, 500, 2, .text("stolen"), at: t)])
        #expect(ack.rejections.map(\.reason) == [.entityOwnedByAnotherTenant])
        try p.flush()
        ack = try p.ingest([R.reading(2, 500, 2, .text("stolen"), at: t)])
        #expect(ack.rejections.map(\.reason) == [.entityOwnedByAnotherTenant])
        // Two tenants claiming a new entity in one batch: the first wins.
        ack = try p.ingest([R.reading(3, 600, 2, .text("x"), at: t), R.reading(2, 600, 2, .text("y"), at: t)])
        #expect(ack.acceptedCount == 1 && ack.rejections.map(\.index) == [1])
        try p.flush()
        // Every read path scoped to tenant 2 sees nothing of tenant 1.
        #expect(try p.store.hotAttributes(tenantID: 2, entityID: 500) == nil)
        #expect(try p.store.history(HistoryQuery(tenantID: 2, entityID: 500, attributeID: 2, range: R.everything)).isEmpty)
        #expect(try p.store.findEntities(HotQuery(tenantID: 2, predicates: [])).isEmpty)
        #expect(try p.store.findEntities(HotQuery(tenantID: 2, predicates: [.equals("environment", .text("production"))])).isEmpty)
        #expect(try p.store.attributeDistribution(DistributionQuery(tenantID: 2, categoryAttributeID: 6, window: R.everything,
                                                                    minSamplesExclusive: 0)).isEmpty)
        #expect(try p.store.counts(tenantID: 2) == StoreCounts(entities: 0, timeSeriesRows: 0, hotEntities: 0))
        // Tenant 1 still sees its own.
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 500)?.hotAttributes["environment"] == .text("production"))
        #expect(try p.store.findEntities(HotQuery(tenantID: 1, predicates: [])).map(\.entityID) == [500])
    }

    static func query1(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        func dev(_ id: Int64, _ status: String, _ env: String, _ prio: Int64, _ at: Int64) -> [Reading] {
            [R.reading(1, id, 1, .text(status), at: at), R.reading(1, id, 2, .text(env), at: at),
             R.reading(1, id, 3, .int(prio), at: at), R.reading(1, id, 4, .text("us-west-2"), at: at)]
        }
        try p.ingest(dev(1, "online", "production", 8, t + 1) + dev(2, "warning", "production", 9, t + 3)
                     + dev(3, "offline", "production", 10, t + 4) + dev(4, "online", "staging", 10, t + 5)
                     + dev(5, "online", "production", 7, t + 6) + dev(6, "warning", "production", 8, t + 3)
                     + dev(7, "online", "production", 8, t + 2))
        try p.ingest([R.reading(2, 99, 2, .text("production"), at: t + 9)]) // another tenant
        try p.flush()
        let q = HotQuery(tenantID: 1, predicates: [
            .equals("environment", .text("production")),
            .oneOf("status", [.text("online"), .text("warning")]),
            .atLeast("priority", 8),
        ], limit: 100)
        // Newest first; equal updatedAt (2 and 6 at t+3) ordered by entity id.
        #expect(try p.store.findEntities(q).map(\.entityID) == [2, 6, 7, 1])
        var limited = q; limited.limit = 2
        #expect(try p.store.findEntities(limited).map(\.entityID) == [2, 6])
        let row = try #require(try p.store.findEntities(q).first)
        #expect(row.hotAttributes == ["status": .text("warning"), "environment": .text("production"),
                                      "priority": .int(9), "region": .text("us-west-2")])
        #expect(row.updatedAtMicros == t + 3 && row.entityType == "device")
        #expect(try p.store.findEntities(HotQuery(tenantID: 1, predicates: [.atLeast("priority", 9.5)])).map(\.entityID) == [4, 3])
        #expect(try p.store.findEntities(HotQuery(tenantID: 1, predicates: [.equals("status", .text("none"))])).isEmpty)
    }

    static func query2(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        var rs: [Reading] = []
        // Entities 1-3 are "pump", 4 is "valve"; entity 3's category repeats (counted once).
        for (e, c) in [(Int64(1), "pump"), (2, "pump"), (3, "pump"), (3, "pump"), (4, "valve")] {
            rs.append(R.reading(1, e, 6, .text(c), at: t))
        }
        for e in Int64(1)...4 {
            for k in 0..<3 { rs.append(R.reading(1, e, 5, .decimal(Double(e * 10 + Int64(k))), at: t + Int64(k))) }
            rs.append(R.reading(1, e, 9, .decimal(Double(e)), at: t))
        }
        rs.append(R.reading(1, 1, 5, .decimal(1000), at: t + 40 * R.minute)) // outside the window
        try p.ingest(rs)
        try p.flush()
        let rows = try p.store.attributeDistribution(DistributionQuery(
            tenantID: 1, categoryAttributeID: 6, window: TimeRange(fromMicros: t, toMicros: t + 30 * R.minute),
            minSamplesExclusive: 0))
        // pump/temperature: 10,11,12,20,21,22,30,31,32.
        let pumpT = DistributionRow(category: "pump", attributeName: "temperature", entityCount: 3, avg: 21,
                                    min: 10, max: 32, median: 21, p95: 31.6, sampleCount: 9)
        let pumpP = DistributionRow(category: "pump", attributeName: "pressure", entityCount: 3, avg: 2, min: 1, max: 3,
                                    median: 2, p95: 2.9, sampleCount: 3)
        #expect(rows.count == 4)
        #expect(rows.first.map { close($0, pumpT) } == true)
        #expect(rows.dropFirst().first.map { close($0, pumpP) } == true)
        #expect(rows.map(\.category) == ["pump", "pump", "valve", "valve"])
        #expect(rows.map(\.attributeName) == ["temperature", "pressure", "temperature", "pressure"])
        // The HAVING threshold.
        let having = try p.store.attributeDistribution(DistributionQuery(
            tenantID: 1, categoryAttributeID: 6, window: TimeRange(fromMicros: t, toMicros: t + 30 * R.minute),
            minSamplesExclusive: 3))
        #expect(having.map(\.sampleCount) == [9])
    }

    /// Equal up to floating-point summation order (PostgreSQL aggregates numerics exactly).
    static func close(_ a: DistributionRow, _ b: DistributionRow) -> Bool {
        func eq(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(1, abs(x), abs(y)) }
        return a.category == b.category && a.attributeName == b.attributeName && a.entityCount == b.entityCount
            && a.sampleCount == b.sampleCount && eq(a.avg, b.avg) && eq(a.min, b.min) && eq(a.max, b.max)
            && eq(a.median, b.median) && eq(a.p95, b.p95)
    }

    static func refusedQueries(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let s = p.store
        #expect(throws: QueryError.unboundedTimeRange(query: "history")) {
            try s.history(HistoryQuery(tenantID: 1, entityID: 1, attributeID: 1, range: nil))
        }
        #expect(throws: QueryError.unboundedTimeRange(query: "distribution")) {
            try s.attributeDistribution(DistributionQuery(tenantID: 1, categoryAttributeID: 6, window: nil))
        }
        #expect(throws: QueryError.self) {
            try s.history(HistoryQuery(tenantID: 1, entityID: 1, attributeID: 1,
                                       range: TimeRange(fromMicros: 0, toMicros: 365 * 86_400_000_000)))
        }
        #expect(throws: QueryError.emptyTimeRange(query: "history")) {
            try s.history(HistoryQuery(tenantID: 1, entityID: 1, attributeID: 1, range: TimeRange(fromMicros: 5, toMicros: 5)))
        }
        // A batch throws its first refused query's error.
        #expect(throws: QueryError.emptyTimeRange(query: "history")) {
            try s.histories([HistoryQuery(tenantID: 1, entityID: 1, attributeID: 1, range: R.everything),
                             HistoryQuery(tenantID: 1, entityID: 1, attributeID: 1, range: TimeRange(fromMicros: 5, toMicros: 5)),
                             HistoryQuery(tenantID: 1, entityID: 1, attributeID: 1, range: nil)])
        }
        #expect(throws: QueryError.categoryNotText(attributeID: 5)) {
            try s.attributeDistribution(DistributionQuery(tenantID: 1, categoryAttributeID: 5, window: R.everything))
        }
        #expect(throws: QueryError.unknownAttribute(query: "find entities", attribute: "temperature")) {
            try s.findEntities(HotQuery(tenantID: 1, predicates: [.equals("temperature", .decimal(1))])) // cold
        }
        #expect(throws: QueryError.predicateTypeMismatch(attribute: "status", expected: .text)) {
            try s.findEntities(HotQuery(tenantID: 1, predicates: [.atLeast("status", 1)]))
        }
        #expect(throws: QueryError.predicateTypeMismatch(attribute: "priority", expected: .int)) {
            try s.findEntities(HotQuery(tenantID: 1, predicates: [.equals("priority", .text("8"))]))
        }
        #expect(throws: QueryError.invalidLimit(0)) { try s.findEntities(HotQuery(tenantID: 1, predicates: [], limit: 0)) }
    }

    static func rejectedNeverStored(_ make: StoreFactory) throws {
        let p = try Fixture.Pipeline(make())
        let t = Fixture.t0
        let ack = try p.ingest([
            R.reading(1, 1, 3, .text("eight"), at: t),       // type mismatch
            R.reading(42, 1, 3, .int(1), at: t),              // unknown tenant
            R.reading(1, 1, 999, .int(1), at: t),             // unknown attribute
            R.reading(1, 1, 5, .decimal(.nan), at: t),        // non-finite
            R.reading(1, 1, 3, .int(5), at: t),               // fine
        ])
        #expect(ack.acceptedCount == 1 && ack.offsets == 1...1)
        #expect(ack.rejections.map(\.index) == [0, 1, 2, 3])
        #expect(p.ingestor.rejections.total == 4)
        try p.flush()
        #expect(try p.store.counts(tenantID: 1) == StoreCounts(entities: 1, timeSeriesRows: 1, hotEntities: 1))
        #expect(try p.store.counts(tenantID: 42).timeSeriesRows == 0)
        #expect(try p.store.hotAttributes(tenantID: 1, entityID: 1)?.hotAttributes == ["priority": .int(5)])
    }

    /// The same seeded random workload (late arrivals, equal timestamps, several tenants,
    /// several flushes, a crash + replay) gives the same answers as the memory store.
    static func randomizedEquivalence(_ make: StoreFactory) throws {
        for seed in [UInt64(1), 2, 3] {
            let a = try Fixture.Pipeline(MemoryStore())
            let b = try Fixture.Pipeline(make())
            var rng = SplitMix64(seed: seed)
            let t = Fixture.t0
            let statuses = ["online", "warning", "offline"], envs = ["production", "staging"], cats = ["pump", "valve", "fan"]
            for step in 0..<12 {
                var batch: [Reading] = []
                for _ in 0..<Int.random(in: 20...60, using: &rng) {
                    let entity = Int64.random(in: 1...40, using: &rng)
                    let tenant = Int64(entity % 3) + 1
                    let at = t + Int64.random(in: 0...(Int64(step + 1) * R.minute), using: &rng) / 1000 * 1000
                    let attr = Int64.random(in: 1...11, using: &rng)
                    let v: Value
                    switch attr {
                    case 1: v = .text(statuses.randomElement(using: &rng)!)
                    case 2: v = .text(envs.randomElement(using: &rng)!)
                    case 3, 11: v = .int(Int64.random(in: 0...10, using: &rng))
                    case 4: v = .text("r\(Int.random(in: 0..<3, using: &rng))")
                    case 6: v = .text(cats.randomElement(using: &rng)!)
                    case 7: v = .bool(Bool.random(using: &rng))
                    case 8: v = .timestamp(micros: t + Int64.random(in: 0...1_000_000_000, using: &rng))
                    default: v = .decimal(Double(Int.random(in: -100_000...100_000, using: &rng)) / 1000)
                    }
                    batch.append(R.reading(tenant, entity, attr, v, at: Bool.random(using: &rng) ? at : nil))
                }
                a.clock.advance(byMicros: 1000); b.clock.advance(byMicros: 1000)
                #expect(try a.ingest(batch) == b.ingest(batch))
                if step % 3 == 2 { try a.flush(); try b.flush() }
                if step == 7 { try a.ingestor.recover(); try b.ingestor.recover() } // crash + replay
            }
            try a.flush(); try b.flush()
            for tenant in Int64(1)...3 {
                #expect(try a.store.counts(tenantID: tenant) == b.store.counts(tenantID: tenant))
                #expect(try a.store.findEntities(HotQuery(tenantID: tenant, predicates: [], limit: 1000))
                        == b.store.findEntities(HotQuery(tenantID: tenant, predicates: [], limit: 1000)))
                let q = HotQuery(tenantID: tenant, predicates: [.oneOf("status", [.text("online"), .text("warning")]),
                                                                .atLeast("priority", 3)], limit: 5)
                #expect(try a.store.findEntities(q) == b.store.findEntities(q))
                let dq = DistributionQuery(tenantID: tenant, categoryAttributeID: 6, window: R.everything, minSamplesExclusive: 0)
                let da = try a.store.attributeDistribution(dq), db = try b.store.attributeDistribution(dq)
                #expect(da.count == db.count && zip(da, db).allSatisfy { close($0, $1) })
                for e in Int64(1)...40 {
                    #expect(try a.store.hotAttributes(tenantID: tenant, entityID: e) == b.store.hotAttributes(tenantID: tenant, entityID: e))
                    for attr in [Int64(1), 3, 5, 8] {
                        let hq = HistoryQuery(tenantID: tenant, entityID: e, attributeID: attr, range: R.everything)
                        #expect(try a.store.history(hq) == b.store.history(hq))
                    }
                }
            }
            // Batched histories answer as one query at a time does, in order: many
            // entities (and ids no tenant owns), tenants, attributes, windows and repeats.
            var qs: [HistoryQuery] = []
            for e in Int64(1)...42 {
                for tenant in Int64(1)...3 where e % 7 == 0 || Int64(e % 3) + 1 == tenant {
                    for attr in [Int64(1), 3, 5, 8] {
                        qs.append(HistoryQuery(tenantID: tenant, entityID: e, attributeID: attr, range: R.everything))
                        let from = t + Int64(e % 12) * R.minute
                        qs.append(HistoryQuery(tenantID: tenant, entityID: e, attributeID: attr,
                                               range: TimeRange(fromMicros: from, toMicros: from + 2 * R.minute)))
                    }
                }
            }
            qs += qs.prefix(9)
            let oneByOne = try qs.map { try b.store.history($0) }
            #expect(oneByOne.contains { !$0.isEmpty })
            #expect(try b.store.histories(qs) == oneByOne)
            #expect(try a.store.histories(qs) == oneByOne)
            #expect(try b.store.histories([]) == [])
            for k in [0, 5, 17] { #expect(try b.store.histories([qs[k]]) == [oneByOne[k]]) }
        }
    }
}
