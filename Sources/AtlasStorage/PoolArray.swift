#if canImport(Glibc)
import Glibc
#endif
import CPrefetch

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
    /// 2^14 chunks of 2^18: 4G elements. The directory is allocated once and never
    /// moves, so appending (which may add a chunk) never frees memory a concurrent
    /// reader of existing elements could be using (see `ConcurrentStaging`).
    private static var maxChunks: Int { 1 << 14 }
    private let directory: UnsafeMutablePointer<UnsafeMutablePointer<Element>>
    @exclusivity(unchecked) private var chunkCount = 0
    @exclusivity(unchecked) private(set) var count = 0

    init() {
        directory = .allocate(capacity: Self.maxChunks)
    }

    deinit {
        var left = count
        for k in 0..<chunkCount {
            let n = Swift.min(left, 1 << Self.chunkShift)
            directory[k].deinitialize(count: n)
            free(directory[k])
            left -= n
        }
        directory.deallocate()
    }

    @inline(__always) private func address(_ i: Int) -> UnsafeMutablePointer<Element> {
        precondition(i >= 0 && i < count, "PoolArray index out of range")
        return directory[i >> Self.chunkShift] + (i & Self.chunkMask)
    }

    @inline(__always) subscript(i: Int) -> Element {
        get { address(i).pointee }
        _modify { yield &address(i).pointee }
    }

    /// Starts loading element `i` without waiting for it; nothing when out of range.
    @inline(__always) func prefetch(_ i: Int) {
        guard i >= 0 && i < count else { return }
        atlas_prefetch(directory[i >> Self.chunkShift] + (i & Self.chunkMask))
    }

    @inline(__always) func append(_ x: Element) {
        if count & Self.chunkMask == 0 && count >> Self.chunkShift == chunkCount {
            precondition(chunkCount < Self.maxChunks, "PoolArray is full")
            directory[chunkCount] = HugePages.allocate(Element.self, count: 1 << Self.chunkShift, expectingMore: true)
            chunkCount += 1
        }
        (directory[count >> Self.chunkShift] + (count & Self.chunkMask)).initialize(to: x)
        count += 1
    }

    /// Drops elements from `newCount` on (rollback). Chunks stay allocated for reuse.
    func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        for i in newCount..<count { address(i).deinitialize(count: 1) }
        count = newCount
    }
}
