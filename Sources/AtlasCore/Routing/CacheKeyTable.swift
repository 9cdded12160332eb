import CPrefetch

/// An open-addressing map from `CacheKey` to an `Int64` (linear probing, a multiplicative
/// hash, deletion by backward shift), for the cache's index and its invalidation
/// tombstones. A `Dictionary` hashes every key with SipHash; at 2K reads/s and 2K hot
/// writes/s a simulated hour makes ~30M such lookups, and they showed as ~10% of it.
struct CacheKeyTable {
    private struct Entry {
        var tenantID: Int64
        var entityID: Int64
        var value: Int64
    }
    private static let emptyTenant = Int64.min
    private var entries: [Entry]
    private var shift: UInt64
    private(set) var count = 0

    init() {
        entries = [Entry](repeating: Entry(tenantID: Self.emptyTenant, entityID: 0, value: 0), count: 16)
        shift = 64 - 4
    }

    @inline(__always) private func home(_ tenantID: Int64, _ entityID: Int64) -> Int {
        var x = UInt64(bitPattern: entityID) &* 0x9E37_79B9_7F4A_7C15
        x ^= UInt64(bitPattern: tenantID) &* 0xD6E8_FEB8_6659_FD93
        x ^= x >> 29
        return Int(truncatingIfNeeded: (x &* 0xBF58_476D_1CE4_E5B9) >> shift)
    }

    @inline(__always) private func position(_ key: CacheKey) -> Int? {
        let mask = entries.count - 1
        var i = home(key.tenantID, key.entityID)
        while entries[i].tenantID != Self.emptyTenant {
            if entries[i].entityID == key.entityID && entries[i].tenantID == key.tenantID { return i }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Starts loading `key`'s home bucket without waiting for it.
    @inline(__always) func prefetch(_ key: CacheKey) {
        let h = home(key.tenantID, key.entityID)
        entries.withUnsafeBufferPointer { atlas_prefetch($0.baseAddress! + h) }
    }

    subscript(key: CacheKey) -> Int64? {
        get { position(key).map { entries[$0].value } }
        set {
            precondition(key.tenantID != Self.emptyTenant, "CacheKeyTable: tenant id Int64.min is reserved")
            if let v = newValue { insert(key, v) } else { remove(key) }
        }
    }

    mutating func removeAll() {
        for i in entries.indices { entries[i].tenantID = Self.emptyTenant }
        count = 0
    }

    private mutating func insert(_ key: CacheKey, _ value: Int64) {
        // One walk: without deletion markers (removal shifts entries back), the key is
        // either in its run or the run's first empty bucket is where it goes.
        if (count + 1) * 10 > entries.count * 7 { grow() }
        let mask = entries.count - 1
        var i = home(key.tenantID, key.entityID)
        while entries[i].tenantID != Self.emptyTenant {
            if entries[i].entityID == key.entityID && entries[i].tenantID == key.tenantID {
                entries[i].value = value
                return
            }
            i = (i + 1) & mask
        }
        entries[i] = Entry(tenantID: key.tenantID, entityID: key.entityID, value: value)
        count += 1
    }

    /// Removes `key` and returns its value (nil when absent): one walk, where reading
    /// it and then setting it to nil takes two.
    mutating func removeValue(forKey key: CacheKey) -> Int64? {
        guard let i = position(key) else { return nil }
        let v = entries[i].value
        remove(at: i)
        return v
    }

    /// Removes `key` if its value is `value`; returns whether it did.
    mutating func removeValue(forKey key: CacheKey, ifEqualTo value: Int64) -> Bool {
        guard let i = position(key), entries[i].value == value else { return false }
        remove(at: i)
        return true
    }

    private mutating func remove(_ key: CacheKey) {
        if let i = position(key) { remove(at: i) }
    }

    private mutating func remove(at position: Int) {
        var hole = position
        let mask = entries.count - 1
        entries[hole].tenantID = Self.emptyTenant
        count -= 1
        // Backward shift: move up each later entry of the run whose home is not
        // between the hole and it (cyclically), so no probe chain is broken.
        var j = hole
        while true {
            j = (j + 1) & mask
            let e = entries[j]
            if e.tenantID == Self.emptyTenant { return }
            let h = home(e.tenantID, e.entityID)
            let homeIsBetween = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j)
            if homeIsBetween { continue }
            entries[hole] = e
            entries[j].tenantID = Self.emptyTenant
            hole = j
        }
    }

    private mutating func grow() {
        let old = entries
        entries = [Entry](repeating: Entry(tenantID: Self.emptyTenant, entityID: 0, value: 0), count: old.count * 2)
        shift -= 1
        count = 0
        for e in old where e.tenantID != Self.emptyTenant {
            insert(CacheKey(tenantID: e.tenantID, entityID: e.entityID), e.value)
        }
    }
}
