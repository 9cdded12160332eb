/// Maps catalog ids (tenants, attributes) to small dense indices without hashing when
/// the ids are small, which they are in practice: per-reading validation and flushing
/// look ids up tens of millions of times, and Swift's `Dictionary` hashes with SipHash.
public struct DenseIDMap: Sendable {
    /// Ids below this use the array; larger ones fall back to the dictionary.
    /// (A computed literal, not a stored `static let`: callers in other modules would
    /// otherwise call its lazy-initialising addressor on every lookup.)
    @inlinable public static var denseLimit: Int64 { 1 << 20 }
    @usableFromInline var dense: [Int32] = []
    @usableFromInline var sparse: [Int64: Int32] = [:]

    public init() {}

    public init(_ pairs: [(id: Int64, index: Int32)]) {
        for p in pairs { self[p.id] = p.index }
    }

    /// The index stored for `id`, or nil.
    @inlinable public subscript(id: Int64) -> Int32? {
        get { lookup(id) }
        set { store(id, newValue) }
    }

    @inlinable @inline(__always) func lookup(_ id: Int64) -> Int32? {
        if id >= 0 && id < Self.denseLimit {
            let i = Int(id)
            guard i < dense.count else { return nil }
            let v = dense[i]
            return v < 0 ? nil : v
        }
        return sparse[id]
    }

    @usableFromInline mutating func store(_ id: Int64, _ value: Int32?) {
        if id >= 0 && id < Self.denseLimit {
            let i = Int(id)
            if i >= dense.count { dense.append(contentsOf: repeatElement(-1, count: i - dense.count + 1)) }
            dense[i] = value ?? -1
        } else {
            sparse[id] = value
        }
    }
}
