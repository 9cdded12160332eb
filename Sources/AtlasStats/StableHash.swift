/// Stable, platform-independent hashes for seeds and ids. Swift's `Hasher` is seeded
/// per process, so it must never feed anything that has to replay.
public enum StableHash {
    /// 64-bit FNV-1a over UTF-8 bytes.
    @inlinable
    public static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    /// 64-bit FNV-1a over the 8 little-endian bytes of `value` (YCSB's `fnvhash64`
    /// before its `Math.abs`).
    @inlinable
    public static func fnv1a64(_ value: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var v = value
        for _ in 0..<8 {
            h ^= v & 0xff
            h &*= 0x0000_0100_0000_01b3
            v >>= 8
        }
        return h
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix with good avalanche.
    @inlinable
    public static func mix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The seed of the stream called `name` in a run seeded with `runSeed`.
    /// Depends only on the pair, so adding a stream never shifts another.
    @inlinable
    public static func streamSeed(runSeed: UInt64, name: String) -> UInt64 {
        mix64(mix64(runSeed) ^ fnv1a64(name))
    }

    /// A uniform double in [0, 1) from a 64-bit hash (top 53 bits).
    @inlinable
    public static func unitInterval(_ h: UInt64) -> Double {
        Double(h >> 11) * 0x1.0p-53
    }
}

/// SplitMix64 (Steele, Lea, Flood): a tiny generator used to expand one seed into a
/// generator state and for hashing ids to stable pseudo-random choices.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    @inlinable
    public mutating func next() -> UInt64 {
        let out = StableHash.mix64(state)
        state &+= 0x9e37_79b9_7f4a_7c15
        return out
    }
}
