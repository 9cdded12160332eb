import AtlasCore
import Testing

@Suite struct RouterCountersTests {
    @Test func readsBySourceCountsByNameWhateverTheOrder() {
        var a = RouterCounters(), b = RouterCounters()
        for name in ["replica-2", "primary", "replica-2", "cache", "replica-10"] { a.countRead(bySource: name) }
        for name in ["cache", "replica-10", "replica-2", "primary", "replica-2"] { b.countRead(bySource: name) }
        #expect(a.readsBySource == ["primary": 1, "replica-2": 2, "cache": 1, "replica-10": 1])
        #expect(a == b)  // the same counts compare equal, whichever source was seen first
        b.countRead(bySource: "primary")
        #expect(a != b)
    }

    @Test func readsBySourceCanBeSetAndCountedOn() {
        var c = RouterCounters()
        c.readsBySource = ["replica-1": 4, "cache": 2]
        c.countRead(bySource: "replica-1")
        c.readsBySource["primary", default: 0] += 3
        #expect(c.readsBySource == ["replica-1": 5, "cache": 2, "primary": 3])
        var d = RouterCounters()
        d.readsBySource = ["primary": 3, "cache": 2, "replica-1": 5]
        #expect(c == d)
    }
}
