import Testing
@testable import AtlasCore

/// The cache's open-addressing table must behave as a dictionary under any mix of
/// inserts, overwrites and removals — by setting nil, by `removeValue`, and conditional
/// (removal shifts entries back; a broken shift loses keys that probed past the removed one).
@Suite struct CacheKeyTableTests {
    /// A tiny splitmix64, so the workload is fixed without importing the simulator.
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: [8, 64, 5_000])
    func matchesDictionary(keySpace: Int) {
        var table = CacheKeyTable()
        var reference: [CacheKey: Int64] = [:]
        var mix = Mix(state: UInt64(keySpace))
        for step in 0..<60_000 {
            let r = mix.next()
            // Few tenants and nearby entity ids: many keys share probe runs.
            let key = CacheKey(tenantID: Int64(r % 3) + 1, entityID: Int64((r >> 8) % UInt64(keySpace)))
            switch r >> 60 {
            case 0..<6:
                table[key] = Int64(step)
                reference[key] = Int64(step)
            case 6..<10:
                table[key] = nil
                reference[key] = nil
            case 10..<13:
                #expect(table.removeValue(forKey: key) == reference.removeValue(forKey: key))
            default:
                // Removes only on a matching value: half the time the current one.
                let guess = r & 1 == 0 ? reference[key] ?? -1 : Int64(step)
                let removes = reference[key] == guess
                #expect(table.removeValue(forKey: key, ifEqualTo: guess) == removes)
                if removes { reference[key] = nil }
            }
            if step % 997 == 0 {
                #expect(table.count == reference.count)
                for (k, v) in reference { #expect(table[k] == v) }
            }
        }
        for t in 1...3 {
            for e in 0..<Int64(keySpace) {
                let k = CacheKey(tenantID: Int64(t), entityID: e)
                #expect(table[k] == reference[k])
            }
        }
        // The same entity id under another tenant is another key.
        #expect(table[CacheKey(tenantID: 99, entityID: 0)] == nil)
        table.removeAll()
        #expect(table.count == 0 && table[CacheKey(tenantID: 1, entityID: 0)] == nil)
    }
}
