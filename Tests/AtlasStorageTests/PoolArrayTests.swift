import Testing
@testable import AtlasStorage

/// The memory store's chunked pools across chunk boundaries: growth never moves what is
/// stored, and a rollback (truncate) across a boundary leaves the earlier elements intact.
@Suite struct PoolArrayTests {
    @Test func poolArrayAcrossChunks() {
        let pool = PoolArray<String>() // non-trivial elements: truncate must release them
        let n = (1 << 18) + 1_000
        for i in 0..<n { pool.append(String(i)) }
        #expect(pool.count == n)
        #expect(pool[0] == "0" && pool[(1 << 18) - 1] == String((1 << 18) - 1) && pool[1 << 18] == String(1 << 18))
        pool[n - 1] += "!"
        #expect(pool[n - 1] == "\(n - 1)!")
        pool.truncate(to: (1 << 18) - 5)
        #expect(pool.count == (1 << 18) - 5)
        for i in 0..<10 { pool.append("again \(i)") }
        #expect(pool[(1 << 18) - 6] == String((1 << 18) - 6))
        #expect(pool[(1 << 18) - 5] == "again 0" && pool[(1 << 18) + 4] == "again 9")
    }

    @Test func chunkedColumnAcrossChunks() {
        let column = ChunkedColumn<UInt32>()
        let n = (1 << 20) + 7
        for i in 0..<n { column.append(UInt32(i)) }
        #expect(column.count == n && column[(1 << 20) - 1] == UInt32((1 << 20) - 1) && column[1 << 20] == UInt32(1 << 20))
        var seen = 0, sum: UInt64 = 0
        column.forEachRun { run, start in
            #expect(run.first.map { Int($0) } == start)
            seen += run.count
            sum += run.reduce(0) { $0 + UInt64($1) }
        }
        #expect(seen == n && sum == UInt64(n) * UInt64(n - 1) / 2)
        column.truncate(to: 3)
        column.append(99)
        #expect(column.count == 4 && column[2] == 2 && column[3] == 99)
    }
}
