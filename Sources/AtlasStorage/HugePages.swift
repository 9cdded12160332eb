#if canImport(Glibc)
import Glibc
#endif

/// Allocation for the memory store's large tables. Blocks of 2 MiB or more are
/// 2 MiB-aligned and advised for transparent huge pages: at simulator scale the store
/// touches gigabytes, and with 4 KiB pages every first touch is a page fault (kernel
/// time showed as ~12% of a headline run) and every random access a likely TLB miss.
///
/// Even huge pages must be zeroed by the kernel on first touch (clear_page: ~4 s of a
/// headline hour on this VM), so large blocks come from a `HugePagePrefaulter`, which
/// faults in the next block of each size on its own thread before it is asked for.
enum HugePages {
    static let size = 2 << 20

    /// Uninitialised memory for `count` elements; free it with `free`. `expectingMore`:
    /// the caller grows by blocks of this size, so the next one is faulted in ahead.
    static func allocate<T>(_ type: T.Type, count: Int, expectingMore: Bool = false) -> UnsafeMutablePointer<T> {
        let bytes = Swift.max(1, count * MemoryLayout<T>.stride)
        var raw: UnsafeMutableRawPointer?
        if bytes >= size {
            let rounded = roundedUp(bytes)
            raw = HugePagePrefaulter.shared?.take(bytes: rounded, prepareNext: expectingMore) ?? allocateAligned(bytes: rounded)
        } else {
            let alignment = Swift.max(MemoryLayout<T>.alignment, 16)
            if posix_memalign(&raw, alignment, bytes) != 0 { raw = nil }
        }
        guard let raw else { fatalError("out of memory allocating \(bytes) bytes") }
        return raw.bindMemory(to: T.self, capacity: count)
    }

    /// Asks for a block of `count` elements to be faulted in ahead of an `allocate`
    /// expected soon (a hash table's next size).
    static func prepare<T>(_ type: T.Type, count: Int) {
        let bytes = count * MemoryLayout<T>.stride
        if bytes >= size { HugePagePrefaulter.shared?.request(bytes: roundedUp(bytes)) }
    }

    static func roundedUp(_ bytes: Int) -> Int { (bytes + size - 1) / size * size }

    /// 2 MiB-aligned, advised for huge pages, not yet touched; nil when out of memory.
    static func allocateAligned(bytes: Int) -> UnsafeMutableRawPointer? {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, size, bytes) == 0, let raw else { return nil }
        _ = madvise(raw, bytes, 14 /* MADV_HUGEPAGE */)
        return raw
    }
}
