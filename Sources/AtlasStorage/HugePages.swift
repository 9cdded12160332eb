#if canImport(Glibc)
import Glibc
#endif

/// Allocation for the memory store's large tables. Blocks of 2 MiB or more are
/// 2 MiB-aligned and advised for transparent huge pages: at simulator scale the store
/// touches gigabytes, and with 4 KiB pages every first touch is a page fault (kernel
/// time showed as ~12% of a headline run) and every random access a likely TLB miss.
enum HugePages {
    static let size = 2 << 20

    /// Uninitialised memory for `count` elements; free it with `free`.
    static func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = Swift.max(1, count * MemoryLayout<T>.stride)
        var raw: UnsafeMutableRawPointer?
        if bytes >= size {
            let rounded = (bytes + size - 1) / size * size
            if posix_memalign(&raw, size, rounded) == 0, let raw { _ = madvise(raw, rounded, 14 /* MADV_HUGEPAGE */) }
        } else {
            let alignment = Swift.max(MemoryLayout<T>.alignment, 16)
            if posix_memalign(&raw, alignment, bytes) != 0 { raw = nil }
        }
        guard let raw else { fatalError("out of memory allocating \(bytes) bytes") }
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
