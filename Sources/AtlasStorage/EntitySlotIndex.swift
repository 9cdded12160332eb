#if canImport(Glibc)
import Glibc
#endif

/// An open-addressing hash map from entity id (≥ 0) to its dense slot and owning
/// tenant: linear probing, multiplicative hashing, no deletion (slots are never freed).
///
/// At simulator scale (millions of entities over a 200M-id space) every lookup is a
/// cache miss, so the table is built for that: key, slot and tenant share one 24-byte
/// entry (`entityOwner` costs one probe, no second array), and the memory is 2 MiB
/// aligned and advised for transparent huge pages (a 4 KiB-page table of hundreds of
/// MiB adds a TLB miss and page walk to every probe).
final class EntitySlotIndex {
    static let empty = Int64.min
    struct Entry {
        var key: Int64
        var tenant: Int64
        var slot: UInt32
    }
    private var table: UnsafeMutablePointer<Entry>
    private var capacity: Int
    private var shift: UInt64
    private(set) var count = 0

    init(capacityPowerOfTwo bits: Int = 16) {
        capacity = 1 << bits
        shift = UInt64(64 - bits)
        table = Self.allocate(capacity)
    }

    deinit { free(table) }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<Entry> {
        let bytes = n * MemoryLayout<Entry>.stride
        let huge = 2 << 20
        var raw: UnsafeMutableRawPointer?
        if bytes >= huge {
            let rounded = (bytes + huge - 1) / huge * huge
            if posix_memalign(&raw, huge, rounded) == 0, let raw { _ = madvise(raw, rounded, 14 /* MADV_HUGEPAGE */) }
        } else {
            raw = malloc(bytes)
        }
        guard let raw else { fatalError("EntitySlotIndex: out of memory for \(n) entries") }
        let p = raw.bindMemory(to: Entry.self, capacity: n)
        p.initialize(repeating: Entry(key: empty, tenant: 0, slot: 0), count: n)
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
    @inline(__always) func entry(_ key: Int64) -> (slot: UInt32, tenant: Int64)? {
        position(key).map { (table[$0].slot, table[$0].tenant) }
    }

    /// Records `tenant` for an existing `key`.
    func setTenant(_ key: Int64, _ tenant: Int64) {
        if let i = position(key) { table[i].tenant = tenant }
    }

    /// Inserts `key` → (`slot`, `tenant`); `key` must be absent.
    func insert(_ key: Int64, slot: UInt32, tenant: Int64) {
        if (count + 1) * 10 > capacity * 7 { grow() }
        let mask = capacity - 1
        var i = home(key)
        while table[i].key != Self.empty { i = (i + 1) & mask }
        table[i] = Entry(key: key, tenant: tenant, slot: slot)
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

    /// Bytes held by the table.
    var bytes: Int { capacity * MemoryLayout<Entry>.stride }
}

/// A column stored in fixed-size chunks: appends never copy what is already stored
/// (a doubling array would briefly hold two copies of a multi-GB column).
struct ChunkedColumn<Element> {
    static var chunkSize: Int { 1 << 20 }
    private(set) var chunks: [[Element]] = []
    private(set) var count = 0

    @inline(__always) mutating func append(_ x: Element) {
        if count & (Self.chunkSize - 1) == 0 {
            var c: [Element] = []
            c.reserveCapacity(Self.chunkSize)
            chunks.append(c)
        }
        chunks[chunks.count - 1].append(x)
        count += 1
    }

    @inline(__always) subscript(i: Int) -> Element {
        chunks[i >> 20][i & (Self.chunkSize - 1)]
    }

    /// Drops elements from `newCount` on (rollback of a failed flush).
    mutating func truncate(to newCount: Int) {
        while count > newCount {
            let inLast = chunks[chunks.count - 1].count
            let drop = min(inLast, count - newCount)
            chunks[chunks.count - 1].removeLast(drop)
            if chunks[chunks.count - 1].isEmpty { chunks.removeLast() }
            count -= drop
        }
    }
}
