import AtlasCore
import Foundation
import Testing
@testable import AtlasStorage

/// `MemoryStore`'s `ConcurrentStaging` contract: staging on one thread never changes what
/// a lookup on another answers, and the entity index grows only when asked to.
@Suite struct ConcurrentStagingTests {
    static func record(_ offset: Int64, tenant: Int64, entity: Int64, type: String = "device") -> LogRecord {
        LogRecord(offset: offset, tenantID: tenant, entityID: entity, entityType: type, attributeID: 1,
                  value: .text("s\(offset)"), ingestedAtMicros: Fixture.t0 + offset)
    }

    @Test func lookupsBesideStagingAnswerAsBefore() throws {
        let store = MemoryStore()
        try store.install(catalog: Fixture.catalog)
        // 20,000 registered entities across three tenants.
        let registered = 20_000
        var first: [LogRecord] = []
        for e in 0..<registered { first.append(Self.record(Int64(e + 1), tenant: Int64(e % 3 + 1), entity: Int64(e))) }
        try store.stage(first)
        _ = try store.flush()
        var expected: [EntitySnapshot?] = []
        for e in 0..<registered { expected.append(try store.hotAttributes(tenantID: Int64(e % 3 + 1), entityID: Int64(e))) }
        #expect(expected.allSatisfy { $0 != nil })
        // New entities (never seen, with new type names) and new readings of registered
        // ones are staged on another thread while this one looks everything up.
        let newEntities = 60_000
        store.reserveStagingEntities(newEntities)
        let headroom = store.stagingEntityHeadroom
        #expect(headroom >= newEntities)
        let box = UncheckedBox(store)
        let stager = Thread {
            let store = box.value
            var offset = Int64(registered + 1)
            for batch in 0..<(newEntities / 500) {
                var rs: [LogRecord] = []
                for k in 0..<500 {
                    let e = Int64(1_000_000 + batch * 500 + k)
                    rs.append(Self.record(offset, tenant: e % 3 + 1, entity: e, type: "type\(batch)"))
                    offset += 1
                    rs.append(Self.record(offset, tenant: Int64(k % 3 + 1), entity: Int64(k), type: "device"))
                    offset += 1
                }
                try! store.stage(rs)
            }
        }
        stager.start()
        var rounds = 0
        while !stager.isFinished || rounds == 0 {
            for e in stride(from: 0, to: registered, by: 7) {
                let got = try store.hotAttributes(tenantID: Int64(e % 3 + 1), entityID: Int64(e))
                #expect(got == expected[e])
            }
            for e in stride(from: 1_000_000, to: 1_000_000 + newEntities, by: 13) {
                #expect(try store.hotAttributes(tenantID: Int64(e % 3 + 1), entityID: Int64(e)) == nil)
            }
            rounds += 1
        }
        // Staging claimed exactly the new entities, within the headroom: no growth.
        #expect(store.stagingEntityHeadroom == headroom - newEntities)
        // Once flushed they are there, types and all.
        _ = try store.flush()
        let late = try store.hotAttributes(tenantID: 1_000_002 % 3 + 1, entityID: 1_000_002)
        #expect(late?.entityType == "type0")
    }

    @Test func reserveGrowsOnlyWhenAsked() throws {
        let store = MemoryStore()
        try store.install(catalog: Fixture.catalog)
        let h0 = store.stagingEntityHeadroom
        try store.stage((0..<100).map { (e: Int) -> LogRecord in Self.record(Int64(e + 1), tenant: 1, entity: Int64(e)) })
        #expect(store.stagingEntityHeadroom == h0 - 100)
        // Readings of entities already claimed take no headroom.
        try store.stage((0..<100).map { (e: Int) -> LogRecord in Self.record(Int64(e + 101), tenant: 1, entity: Int64(e)) })
        #expect(store.stagingEntityHeadroom == h0 - 100)
        store.reserveStagingEntities(10)
        #expect(store.stagingEntityHeadroom == h0 - 100)  // already fits
        store.reserveStagingEntities(h0)
        #expect(store.stagingEntityHeadroom >= h0)
        // Growth kept every entry.
        _ = try store.flush()
        for e in 0..<100 { #expect(try store.hotAttributes(tenantID: 1, entityID: Int64(e)) != nil) }
    }
}

/// Hands a non-Sendable value to a thread the test joins.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
