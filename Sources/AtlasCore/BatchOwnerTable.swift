/// Owners claimed earlier in one ingest batch (entity id → tenant): a fixed-size
/// open-addressing table sized for the batch, with a multiplicative hash. It replaces
/// a `Dictionary` whose SipHash cost showed per reading when most readings in a batch
/// name new entities (simulator scale); it lives for one batch, so it never grows.
struct BatchOwnerTable {
    private static let empty = Int64.min
    private var keys: [Int64] = []
    private var tenants: [Int64] = []
    private var shift: UInt64 = 64
    private let maxEntries: Int

    /// A table for at most `maxEntries` insertions; allocates on first insert.
    init(maxEntries: Int) {
        self.maxEntries = maxEntries
    }

    @inline(__always) private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    subscript(key: Int64) -> Int64? {
        guard !keys.isEmpty, key != Self.empty else { return nil }
        let mask = keys.count - 1
        var i = home(key)
        while keys[i] != Self.empty {
            if keys[i] == key { return tenants[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    /// Records `tenant` for `key` (keys are entity ids, ≥ 0, inserted once each).
    mutating func insert(_ key: Int64, tenant: Int64) {
        precondition(key != Self.empty)
        if keys.isEmpty {
            var bits = 4
            while (1 << bits) < 2 * maxEntries { bits += 1 }
            keys = [Int64](repeating: Self.empty, count: 1 << bits)
            tenants = [Int64](repeating: 0, count: 1 << bits)
            shift = UInt64(64 - bits)
        }
        let mask = keys.count - 1
        var i = home(key)
        while keys[i] != Self.empty, keys[i] != key { i = (i + 1) & mask }
        keys[i] = key
        tenants[i] = tenant
    }
}
