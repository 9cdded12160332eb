#if canImport(Glibc)
import Glibc
#endif
import CPrefetch

/// An open-addressing hash map from entity id (≥ 0) to its dense slot and owning
/// tenant: linear probing, multiplicative hashing, no deletion (slots are never freed).
///
/// At simulator scale (millions of entities over a 200M-id space) every lookup is a
/// cache miss, so the table is built for that: key, slot and tenant code share one 16-byte
/// entry (`entityOwner` costs one probe, no second array), and the memory is 2 MiB
/// aligned and advised for transparent huge pages (a 4 KiB-page table of hundreds of
/// MiB adds a TLB miss and page walk to every probe).
final class EntitySlotIndex {
    static let empty = Int64.min
    /// 16 bytes: the tenant is the store's dense tenant code, not the 64-bit id.
    struct Entry {
        var key: Int64
        var slot: UInt32
        var tenant: Int32
    }
    @exclusivity(unchecked) private var table: UnsafeMutablePointer<Entry>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var shift: UInt64
    @exclusivity(unchecked) private(set) var count = 0

    init(capacityPowerOfTwo bits: Int = 16) {
        capacity = 1 << bits
        shift = UInt64(64 - bits)
        table = Self.allocate(capacity)
    }

    deinit { free(table) }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<Entry> {
        let p = HugePages.allocate(Entry.self, count: n)
        p.initialize(repeating: Entry(key: empty, slot: 0, tenant: 0), count: n)
        return p
    }

    @inline(__always) private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always) private func position(_ key: Int64) -> Int? {
        let mask = capacity - 1
        var i = home(key)
        while true {
            let k = table[i].key
            if k == key { return i }
            if k == Self.empty { return nil }
            i = (i + 1) & mask
        }
    }

    /// The slot of `key`, or nil.
    @inline(__always) func find(_ key: Int64) -> UInt32? {
        position(key).map { table[$0].slot }
    }

    /// The slot and recorded tenant of `key`, or nil.
    @inline(__always) func entry(_ key: Int64) -> (slot: UInt32, tenant: Int32)? {
        position(key).map { (table[$0].slot, table[$0].tenant) }
    }

    /// Loads the home bucket of every key, so the probes that follow hit the cache.
    /// The loads are independent, so the CPU overlaps their misses.
    func touch(_ keys: [Int64]) {
        var acc: Int64 = 0
        for k in keys { acc &+= table[home(k)].key }
        touchSink = acc // keeps the loads
    }
    @exclusivity(unchecked) private var touchSink: Int64 = 0

    /// Starts loading `key`'s home bucket without waiting for it.
    @inline(__always) func prefetch(_ key: Int64) { atlas_prefetch(table + home(key)) }

    /// The slot of `key` when present; its tenant becomes `tenant` if it was `ifTenant`
    /// (`claimed` says whether it did). One probe.
    @inline(__always) func claim(_ key: Int64, tenant: Int32, ifTenant old: Int32) -> (slot: UInt32, tenant: Int32, claimed: Bool)? {
        guard let i = position(key) else { return nil }
        guard table[i].tenant == old else { return (table[i].slot, table[i].tenant, false) }
        table[i].tenant = tenant
        return (table[i].slot, tenant, true)
    }

    /// Records `tenant` for an existing `key`.
    func setTenant(_ key: Int64, _ tenant: Int32) {
        if let i = position(key) { table[i].tenant = tenant }
    }

    /// Inserts that can be made before one grows the table (it grows past 70 % load).
    var insertHeadroom: Int { capacity * 7 / 10 - count }

    /// Grows the table now, if need be, so that `n` more inserts will not: growth frees
    /// the old table, which a concurrent reader may be probing.
    func reserve(additionalInserts n: Int) {
        while (count + n) * 10 > capacity * 7 { grow() }
    }

    /// Inserts `key` → (`slot`, `tenant`); `key` must be absent.
    func insert(_ key: Int64, slot: UInt32, tenant: Int32) {
        if (count + 1) * 10 > capacity * 7 { grow() }
        // Near the next growth (at 70%): have the doubled table faulted in off this thread.
        if count == capacity * 6 / 10 { HugePages.prepare(Entry.self, count: capacity * 2) }
        let mask = capacity - 1
        var i = home(key)
        while table[i].key != Self.empty { i = (i + 1) & mask }
        table[i] = Entry(key: key, slot: slot, tenant: tenant)
        count += 1
    }

    private func grow() {
        let old = table, oldCapacity = capacity
        capacity *= 2
        shift -= 1
        table = Self.allocate(capacity)
        count = 0
        for i in 0..<oldCapacity where old[i].key != Self.empty {
            insert(old[i].key, slot: old[i].slot, tenant: old[i].tenant)
        }
        free(old)
    }
}
