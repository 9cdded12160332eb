import AtlasStats

/// YCSB's SkewedLatestGenerator: recently inserted items are the most popular.
/// `latest` is the newest item; a draw returns latest − zipf(latest + 1).
public struct LatestGenerator: Sendable {
    public private(set) var latest: UInt64
    var zipfian: ZipfianGenerator

    public init(initialItems: UInt64, theta: Double = 0.99) {
        precondition(initialItems >= 1)
        latest = initialItems - 1
        zipfian = ZipfianGenerator(items: initialItems, theta: theta)
    }

    /// Records one newly inserted item and returns it.
    public mutating func insert() -> UInt64 {
        latest += 1
        zipfian.grow(to: latest + 1)
        return latest
    }

    public func next(_ stream: RandomStream) -> UInt64 { latest - zipfian.next(stream) }
}
