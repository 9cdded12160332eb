/// An open-addressing hash map from entity id (≥ 0) to a dense slot number: linear
/// probing, multiplicative hashing, no deletion (slots are never freed). At 200M-id
/// scale it is several times smaller and faster than `[Int64: UInt32]`, which hashes
/// with SipHash and stores more per entry.
struct EntitySlotIndex {
    private static let empty = Int64.min
    private var keys: [Int64]
    private var values: [UInt32]
    private var shift: UInt64
    private(set) var count = 0

    init(capacityPowerOfTwo bits: Int = 16) {
        keys = Array(repeating: Self.empty, count: 1 << bits)
        values = Array(repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
    }

    @inline(__always) private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot of `key`, or nil.
    @inline(__always) func find(_ key: Int64) -> UInt32? {
        keys.withUnsafeBufferPointer { k in
            let mask = k.count - 1
            var i = home(key)
            while true {
                let x = k[i]
                if x == key { return values[i] }
                if x == Self.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// Inserts `key` → `slot`; `key` must be absent.
    mutating func insert(_ key: Int64, _ slot: UInt32) {
        if (count + 1) * 10 > keys.count * 7 { grow() }
        let mask = keys.count - 1
        var i = home(key)
        while keys[i] != Self.empty { i = (i + 1) & mask }
        keys[i] = key
        values[i] = slot
        count += 1
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        let bits = 64 - Int(shift) + 1
        keys = Array(repeating: Self.empty, count: 1 << bits)
        values = Array(repeating: 0, count: 1 << bits)
        shift = UInt64(64 - bits)
        count = 0
        for i in oldKeys.indices where oldKeys[i] != Self.empty { insert(oldKeys[i], oldValues[i]) }
    }

    /// Bytes held by the table.
    var bytes: Int { keys.count * 12 }
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
