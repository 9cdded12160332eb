import Foundation
import Testing
@testable import AtlasStorage

/// The prefaulter hands out whole, aligned, resident blocks of exactly the size asked for,
/// prepared on its own thread, and keeps no more than it was asked for.
@Suite struct HugePagePrefaulterTests {
    static func waitReady(_ p: HugePagePrefaulter, bytes: Int, count: Int) -> Bool {
        for _ in 0..<500 where p.readyCount(bytes: bytes) < count { usleep(10_000) }
        return p.readyCount(bytes: bytes) >= count
    }

    @Test func requestedBlockIsZeroedAlignedAndTakenOnce() {
        let p = HugePagePrefaulter()
        let bytes = 2 * HugePages.size
        #expect(p.take(bytes: bytes, prepareNext: false) == nil)  // nothing asked for yet
        p.request(bytes: bytes)
        p.request(bytes: bytes)  // one is enough for a request
        #expect(Self.waitReady(p, bytes: bytes, count: 1))
        guard let block = p.take(bytes: bytes, prepareNext: false) else {
            Issue.record("no block after it was ready")
            return
        }
        #expect(Int(bitPattern: block) % HugePages.size == 0)
        // Every page is already resident: the faults happened on the prefaulter's thread.
        var resident = [UInt8](repeating: 0, count: bytes / 4096)
        #expect(mincore(block, bytes, &resident) == 0)
        #expect(resident.allSatisfy { $0 & 1 == 1 })
        #expect(p.take(bytes: bytes, prepareNext: false) == nil && p.readyCount(bytes: bytes) == 0)
        #expect(p.hits == 1 && p.misses == 2)
        free(block)
    }

    @Test func takingAsksForTheNextUpToTheCap() {
        let p = HugePagePrefaulter()
        let bytes = HugePages.size
        var taken: [UnsafeMutableRawPointer] = []
        for _ in 0..<HugePagePrefaulter.maxSparesPerSize + 3 {
            if let b = p.take(bytes: bytes, prepareNext: true) { taken.append(b) }
        }
        #expect(Self.waitReady(p, bytes: bytes, count: HugePagePrefaulter.maxSparesPerSize))
        usleep(50_000)
        #expect(p.readyCount(bytes: bytes) == HugePagePrefaulter.maxSparesPerSize)  // capped
        for b in taken { free(b) }
    }
}
