import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps faulted-in spare blocks per size, prepared on a background thread.
///
/// The memory store grows in blocks of a few fixed sizes (column chunks, record chunks,
/// hash tables), so when a block of some size is taken the next one of that size is
/// likely to be wanted too: the thread allocates it and writes one byte per 4 KiB page,
/// and the kernel zeroes those pages on that thread instead of in the middle of a flush.
/// Like any `posix_memalign` block, a spare's contents are unspecified (callers
/// initialise what they allocate). Nothing observable depends on the timing (a block not yet
/// ready is allocated inline), so runs stay deterministic. Each take asks for one block
/// more of its size (several columns share a chunk size and grow in the same flush), up
/// to `maxSparesPerSize`, which bounds the extra resident memory.
final class HugePagePrefaulter: @unchecked Sendable {
    /// The process's prefaulter; nil when `ATLAS_PREFAULT=0` (for A/B measurements).
    static let shared: HugePagePrefaulter? = ProcessInfo.processInfo.environment["ATLAS_PREFAULT"] == "0"
        ? nil : HugePagePrefaulter()

    private let condition = NSCondition()
    static let maxSparesPerSize = 4
    private var spares: [Int: [UnsafeMutableRawPointer]] = [:]  // bytes → faulted-in blocks
    private var wanted: [Int] = []                              // sizes to prepare, oldest first
    private var threadStarted = false
    /// Blocks handed out already faulted in, and asked for before one was ready.
    private(set) var hits = 0, misses = 0

    /// A faulted-in block of exactly `bytes` if one is ready; with `prepareNext`, asks
    /// for the next block of that size.
    func take(bytes: Int, prepareNext: Bool) -> UnsafeMutableRawPointer? {
        condition.lock()
        defer { condition.unlock() }
        let block = spares[bytes]?.popLast()
        if block != nil { hits += 1 } else { misses += 1 }
        if prepareNext { enqueue(bytes) }
        return block
    }

    /// Asks for a block of `bytes` to be faulted in (no-op when one is ready or queued).
    func request(bytes: Int) {
        condition.lock()
        defer { condition.unlock() }
        enqueue(bytes, upTo: 1)
    }

    /// Faulted-in blocks of `bytes` ready now.
    func readyCount(bytes: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return spares[bytes]?.count ?? 0
    }

    /// Called with the lock held.
    private func enqueue(_ bytes: Int, upTo limit: Int = maxSparesPerSize) {
        let held = (spares[bytes]?.count ?? 0) + wanted.lazy.filter { $0 == bytes }.count
        guard held < limit else { return }
        wanted.append(bytes)
        if !threadStarted {
            threadStarted = true
            // Works ahead: a block not ready in time is allocated inline instead.
            HelperThread.start(name: "atlas.prefault", worksAhead: true) { [self] in run() }
        }
        condition.signal()
    }

    private func run() {
        while true {
            condition.lock()
            while wanted.isEmpty { condition.wait() }
            let bytes = wanted.removeFirst()
            condition.unlock()
            guard let block = HugePages.allocateAligned(bytes: bytes) else { continue }
            let page = 4096
            var offset = 0
            while offset < bytes {
                block.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
                offset += page
            }
            condition.lock()
            spares[bytes, default: []].append(block)
            condition.unlock()
        }
    }
}
