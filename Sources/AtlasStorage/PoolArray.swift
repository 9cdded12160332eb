#if canImport(Glibc)
import Glibc
#endif

/// A growable array with reference semantics, no copy-on-write and no copying on
/// growth: elements live in fixed-size chunks, so access is a bounds check and two
/// pointer offsets, never a uniqueness check, and growing never moves (or re-zeroes)
/// what is stored. For the memory store's per-entity records and hot cells, which are
/// read and written tens of millions of times per simulated hour and never shared; at
/// that scale a doubling array spent seconds of kernel time zeroing each new copy.
final class PoolArray<Element> {
    // 2^18 elements: for 40- and 48-byte records a chunk is a whole number of 2 MiB huge pages.
    private static var chunkShift: Int { 18 }
    private static var chunkMask: Int { (1 << chunkShift) - 1 }
    @exclusivity(unchecked) private var chunks: [UnsafeMutablePointer<Element>] = []
    @exclusivity(unchecked) private(set) var count = 0

    init() {}

    deinit {
        var left = count
        for c in chunks {
            let n = Swift.min(left, 1 << Self.chunkShift)
            c.deinitialize(count: n)
            free(c)
            left -= n
        }
    }

    @inline(__always) private func address(_ i: Int) -> UnsafeMutablePointer<Element> {
        precondition(i >= 0 && i < count, "PoolArray index out of range")
        return chunks.withUnsafeBufferPointer { $0[i >> Self.chunkShift] } + (i & Self.chunkMask)
    }

    @inline(__always) subscript(i: Int) -> Element {
        get { address(i).pointee }
        _modify { yield &address(i).pointee }
    }

    @inline(__always) func append(_ x: Element) {
        if count & Self.chunkMask == 0 && count >> Self.chunkShift == chunks.count {
            chunks.append(HugePages.allocate(Element.self, count: 1 << Self.chunkShift, expectingMore: true))
        }
        (chunks.withUnsafeBufferPointer { $0[count >> Self.chunkShift] } + (count & Self.chunkMask)).initialize(to: x)
        count += 1
    }

    /// Drops elements from `newCount` on (rollback). Chunks stay allocated for reuse.
    func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        for i in newCount..<count { address(i).deinitialize(count: 1) }
        count = newCount
    }
}
