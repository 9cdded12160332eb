/// An open-addressing hash map from entity id (≥ 0) to a dense slot number: linear
/// probing, multiplicative hashing, no deletion (slots are never freed). At 200M-id
/// scale it is several times smaller and faster than `[Int64: UInt32]`, which hashes
/// with SipHash and stores more per entry.
struct EntitySlotIndex {
    private static let empty = Int64.min
    /// Key and slot side by side: one cache line per probe (lookups here miss cache at scale).
    private struct Entry { var key: Int64; var slot: UInt32 }
    private var table: [Entry]
    private var shift: UInt64
    private(set) var count = 0

    init(capacityPowerOfTwo bits: Int = 16) {
        table = Array(repeating: Entry(key: Self.empty, slot: 0), count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    @inline(__always) private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot of `key`, or nil.
    @inline(__always) func find(_ key: Int64) -> UInt32? {
        table.withUnsafeBufferPointer { t in
            let mask = t.count - 1
            var i = home(key)
            while true {
                let e = t[i]
                if e.key == key { return e.slot }
                if e.key == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Inserts `key` → `slot`; `key` must be absent.
    mutating func insert(_ key: Int64, _ slot: UInt32) {
        if (count + 1) * 10 > table.count * 7 { grow() }
        let mask = table.count - 1
        var i = home(key)
        while table[i].key != Self.empty { i = (i + 1) & mask }
        table[i] = Entry(key: key, slot: slot)
        count += 1
    }

    private mutating func grow() {
        let old = table
        let bits = 64 - Int(shift) + 1
        table = Array(repeating: Entry(key: Self.empty, slot: 0), count: 1 << bits)
        shift = UInt64(64 - bits)
        count = 0
        for e in old where e.key != Self.empty { insert(e.key, e.slot) }
    }

    /// Bytes held by the table.
    var bytes: Int { table.count * MemoryLayout<Entry>.stride }
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
