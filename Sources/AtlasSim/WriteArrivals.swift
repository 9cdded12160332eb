import AtlasCore
import AtlasStats
import Foundation

/// A simulation's write arrivals, tick by tick, generated ahead on a background thread.
///
/// Arrivals are open-loop: nothing the simulated system does changes them, and they are
/// drawn from the run's own `writes.*` streams, which nothing else touches. So a
/// `WriteArrivalGenerator` can run ahead of the simulation on the machine's second core
/// (it was ~11% of the headline's wall time) and hand over whole ticks; the readings,
/// times and draws are exactly those of generating each tick when the kernel reaches it
/// (tested). The simulation must ask for consecutive ticks, `startNanos + k · tickNanos`
/// for k = 1, 2, …, as both simulations' ingest ticks do. `threaded: false` generates
/// inline, for comparison.
final class WriteArrivals {
    let feed: AheadFeed<TickChunkProducer>
    private var chunk = ArrivalChunk()
    private var tickInChunk = 0
    /// The next arrival not yet handed over; nil once past the arrival window.
    private(set) var nextNanos: Int64?

    init(process: ArrivalProcess, keys: EntityIDGenerator, streams: RandomStreams, attributeSet: AttributeSet,
         tenants: TenantMap, startNanos: Int64, endNanos: Int64, tickNanos: Int64, threaded: Bool = true) {
        precondition(tickNanos > 0, "WriteArrivals: tickNanos must be positive")
        let generator = WriteArrivalGenerator(process: process, keys: keys, streams: streams, attributeSet: attributeSet,
                                              tenants: tenants, startNanos: startNanos, endNanos: endNanos)
        nextNanos = generator.nextNanos
        feed = AheadFeed(TickChunkProducer(generator: generator, nextTickNanos: startNanos + tickNanos, tickNanos: tickNanos),
                         name: "atlas.arrivals", maxChunksAhead: Self.maxChunksAhead, threaded: threaded)
    }

    /// Chunks (of 20 ticks) made ahead: 3.2 simulated seconds, ~3 MB at 10K writes/s. The
    /// producer runs at a low priority (`HelperThread`) and is off the CPU for a while at
    /// times; a deep queue rides that out without the simulation waiting.
    static let maxChunksAhead = 32

    deinit { feed.cancel() }

    /// Appends the readings of every write arriving at or before `nowNanos` (the next
    /// tick) to `readings` and returns their arrival times. When `readings` is empty the
    /// tick's array is handed over whole (no per-reading copy on the simulation thread).
    func generate(through nowNanos: Int64, into readings: inout [Reading]) -> [Int64] {
        guard nextNanos != nil else { return [] }  // past the window: the producer is done
        if tickInChunk == chunk.ticks.count {
            chunk = feed.next()
            tickInChunk = 0
        }
        var tick = TickArrivals()
        swap(&tick, &chunk.ticks[tickInChunk])
        tickInChunk += 1
        precondition(nowNanos == tick.throughNanos,
                     "WriteArrivals: ticks must be consecutive (asked \(nowNanos), expected \(tick.throughNanos))")
        if readings.isEmpty { readings = tick.readings } else { readings += tick.readings }
        nextNanos = tick.nextNanos
        return tick.times
    }
}

/// One tick's arrivals, and the next arrival after it (nil: the window is over).
struct TickArrivals {
    var throughNanos: Int64 = 0
    var readings: [Reading] = []
    var times: [Int64] = []
    var nextNanos: Int64?
}

/// Consecutive ticks' arrivals, handed over at once.
struct ArrivalChunk: @unchecked Sendable {
    var ticks: [TickArrivals] = []
}

/// `WriteArrivalGenerator` run `chunkTicks` consecutive ticks at a time.
struct TickChunkProducer: ChunkProducer {
    static let chunkTicks = 20
    var generator: WriteArrivalGenerator
    var nextTickNanos: Int64
    let tickNanos: Int64

    mutating func makeChunk() -> ArrivalChunk {
        var c = ArrivalChunk()
        c.ticks.reserveCapacity(Self.chunkTicks)
        for _ in 0..<Self.chunkTicks {
            var tick = TickArrivals(throughNanos: nextTickNanos)
            tick.times = generator.generate(through: nextTickNanos, into: &tick.readings)
            tick.nextNanos = generator.nextNanos
            nextTickNanos += tickNanos
            c.ticks.append(tick)
            if tick.nextNanos == nil { break }
        }
        return c
    }

    func isLast(_ chunk: ArrivalChunk) -> Bool { chunk.ticks.last!.nextNanos == nil }
}
