import AtlasStats

/// YCSB's ScrambledZipfianGenerator: a Zipfian over 10 billion ranks, each rank
/// scattered over the id space by FNV-1a, so popular ids are spread out rather than
/// clustered at the low end.
public struct ScrambledZipfianGenerator: Sendable {
    /// YCSB's item count for the underlying Zipfian.
    public static let ycsbItemCount: UInt64 = 10_000_000_000
    /// YCSB's precomputed ζ(10¹⁰, 0.99).
    public static let ycsbZetaN: Double = 26.46902820178302

    public let itemCount: UInt64
    let zipfian: ZipfianGenerator

    /// Values are in 0..<itemCount.
    public init(itemCount: UInt64, theta: Double = 0.99) {
        precondition(itemCount >= 1)
        self.itemCount = itemCount
        let zn: Double? = theta == 0.99 ? Self.ycsbZetaN : nil
        zipfian = ZipfianGenerator(items: Self.ycsbItemCount, theta: theta, zetaN: zn)
    }

    /// The value for a uniform `u` in [0, 1).
    public func value(u: Double) -> UInt64 {
        let r = zipfian.rank(u: u)
        // YCSB: Math.abs(fnvhash64(rank)) % itemcount.
        let h = Int64(bitPattern: StableHash.fnv1a64(r))
        return h.magnitude % itemCount
    }

    public func next(_ stream: RandomStream) -> UInt64 { value(u: stream.uniform()) }
}
