#if canImport(Glibc)
import Glibc
#endif

/// A column of plain values stored in fixed-size malloc'd chunks.
///
/// Appends never copy what is already stored (a doubling array would briefly hold two
/// copies of a multi-GB column), and an append is one pointer store: an array of arrays
/// pays two uniqueness checks per element, which at tens of millions of rows per
/// simulated hour is measurable. A reference type, so the storage is never shared by a
/// struct copy; owned by one `TimeSeriesColumns`.
final class ChunkedColumn<Element: BitwiseCopyable> {
    static var chunkShift: Int { 20 }
    static var chunkSize: Int { 1 << chunkShift }
    @exclusivity(unchecked) private var chunks: [UnsafeMutablePointer<Element>] = []
    @exclusivity(unchecked) private(set) var count = 0

    init() {}

    deinit { for c in chunks { free(c) } }

    @inline(__always) func append(_ x: Element) {
        let i = count & (Self.chunkSize - 1)
        if i == 0 && count >> Self.chunkShift == chunks.count { addChunk() }
        chunks.withUnsafeBufferPointer { $0[count >> Self.chunkShift] }[i] = x
        count += 1
    }

    private func addChunk() {
        chunks.append(HugePages.allocate(Element.self, count: Self.chunkSize, expectingMore: true))
    }

    @inline(__always) subscript(i: Int) -> Element {
        chunks.withUnsafeBufferPointer { $0[i >> Self.chunkShift] }[i & (Self.chunkSize - 1)]
    }

    /// Calls `body` with each stored run of elements and the row index of its first one
    /// (scans: one tight loop per chunk instead of an index computation per row).
    @inline(__always) func forEachRun(_ body: (UnsafeBufferPointer<Element>, Int) throws -> Void) rethrows {
        var start = 0
        for c in chunks where start < count {
            let n = Swift.min(Self.chunkSize, count - start)
            try body(UnsafeBufferPointer(start: c, count: n), start)
            start += n
        }
    }

    /// Drops elements from `newCount` on (rollback of a failed flush). Chunks stay
    /// allocated for reuse.
    func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
    }
}
