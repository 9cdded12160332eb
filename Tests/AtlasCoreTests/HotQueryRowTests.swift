import Testing
@testable import AtlasCore

/// A row built from a list of distinct attributes is the same row as one built by name.
@Suite struct HotQueryRowTests {
    static let list = [HotAttribute(name: "status", value: .text("online")), HotAttribute(name: "priority", value: .int(7)),
                       HotAttribute(name: "load", value: .decimal(0.5))]
    static let byName: [String: Value] = ["status": .text("online"), "priority": .int(7), "load": .decimal(0.5)]

    @Test func listAndDictionaryFormsAgree() {
        let a = HotQueryRow(entityID: 5, entityType: "device", distinctHotAttributes: Self.list, updatedAtMicros: 9)
        let b = HotQueryRow(entityID: 5, entityType: "device", hotAttributes: Self.byName, updatedAtMicros: 9)
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a.hotAttributes == Self.byName && a.hotAttributeCount == 3)
        var seen: [String: Value] = [:]
        a.forEachHotAttribute { seen[$0] = $1 }
        #expect(seen == Self.byName)
        var c = a
        c.hotAttributes["status"] = .text("offline")
        #expect(c != a && c.hotAttributes["status"] == .text("offline") && c.hotAttributeCount == 3)
        let d = HotQueryRow(entityID: 5, entityType: "device", distinctHotAttributes: Array(Self.list.prefix(2)), updatedAtMicros: 9)
        #expect(d != a)
    }

    @Test func theCacheChargesBothFormsAlike() {
        let a = HotQueryRow(entityID: 5, entityType: "device", distinctHotAttributes: Self.list, updatedAtMicros: 9)
        let b = HotQueryRow(entityID: 5, entityType: "device", hotAttributes: Self.byName, updatedAtMicros: 9)
        #expect(LRUCache.estimatedBytes(a) == LRUCache.estimatedBytes(b))
        #expect(LRUCache.estimatedBytes(a) == 96 + 6 + (24 + 6 + 6) + (24 + 8 + 8) + (24 + 4 + 8))
    }
}
