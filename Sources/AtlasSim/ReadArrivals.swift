import AtlasStats
import Foundation

/// One read's open-loop draws: when it arrives, its level, its entity, and for a
/// read-your-writes read how long before it the session's write committed.
struct ReadArrival {
    var atNanos: Int64
    /// 0 strong, 1 eventual, 2 analytics.
    var level: Int
    var entityID: Int64
    var tenantID: Int64
    var rywAgeMicros: Int64?
}

/// Draws read arrivals in order from the run's `reads.*` streams, which nothing else
/// touches: per stream, the same draws in the same order as drawing each read when the
/// kernel reaches it.
struct ReadArrivalGenerator {
    var process: ArrivalProcess
    var keys: EntityIDGenerator
    let tenants: TenantMap
    let arrivalStream, keyStream, mixStream, rywStream: RandomStream
    /// Cumulative strong and strong + eventual shares of the mix.
    let mixCumulative: (Double, Double)
    let rywFraction: Double
    let rywAgeSeconds: DistributionSampler
    let endNanos: Int64
    /// The next arrival, nil once past the window.
    private(set) var nextNanos: Int64?

    init(process: ArrivalProcess, keys: EntityIDGenerator, tenants: TenantMap, streams: RandomStreams,
         mixCumulative: (Double, Double), rywFraction: Double, rywAgeSeconds: DistributionSampler,
         startNanos: Int64, endNanos: Int64) {
        self.process = process
        self.keys = keys
        self.tenants = tenants
        arrivalStream = streams.stream("reads.arrivals")
        keyStream = streams.stream("reads.keys")
        mixStream = streams.stream("reads.mix")
        rywStream = streams.stream("reads.ryw")
        self.mixCumulative = mixCumulative
        self.rywFraction = rywFraction
        self.rywAgeSeconds = rywAgeSeconds
        self.endNanos = endNanos
        nextNanos = self.process.next(afterNanos: startNanos, arrivalStream).flatMap { $0 < endNanos ? $0 : nil }
    }

    mutating func next() -> ReadArrival? {
        guard let t = nextNanos else { return nil }
        let u = mixStream.uniform()
        let level = u < mixCumulative.0 ? 0 : u < mixCumulative.1 ? 1 : 2
        let entityID = keys.next(keyStream)
        var age: Int64?
        if level == 1, rywFraction > 0, rywStream.uniform() < rywFraction {
            age = Int64(Swift.max(0, rywAgeSeconds.sample(rywStream)) * 1e6)
        }
        nextNanos = process.next(afterNanos: t, arrivalStream).flatMap { $0 < endNanos ? $0 : nil }
        return ReadArrival(atNanos: t, level: level, entityID: entityID, tenantID: tenants.tenant(of: entityID),
                           rywAgeMicros: age)
    }
}

extension ReadArrivalGenerator: ChunkProducer {
    static let chunkReads = 512

    /// Up to `chunkReads` arrivals; an empty chunk once the window is over (the last).
    mutating func makeChunk() -> [ReadArrival] {
        var c: [ReadArrival] = []
        c.reserveCapacity(Self.chunkReads)
        while c.count < Self.chunkReads, let a = next() { c.append(a) }
        return c
    }

    func isLast(_ chunk: [ReadArrival]) -> Bool { chunk.isEmpty }
}

/// A simulation's read arrivals, generated ahead on a background thread in chunks (as
/// `WriteArrivals` does for writes): ~5 % of a scenario hour's simulation thread.
/// `threaded: false` generates inline, for comparison.
final class ReadArrivals {
    let feed: AheadFeed<ReadArrivalGenerator>
    private var chunk: [ReadArrival] = []
    private var inChunk = 0
    private var exhausted = false

    init(generator: ReadArrivalGenerator, threaded: Bool = true) {
        feed = AheadFeed(generator, name: "atlas.reads", threaded: threaded)
    }

    deinit { feed.cancel() }

    /// The arrival `k` after the one `next()` returns next, when it is in the chunk at
    /// hand (prefetch hints only; nil at a chunk's end).
    func peek(_ k: Int) -> ReadArrival? {
        inChunk + k < chunk.count ? chunk[inChunk + k] : nil
    }

    /// The next arrival, nil once the window is over.
    func next() -> ReadArrival? {
        if inChunk == chunk.count {
            guard !exhausted else { return nil }
            chunk = feed.next()
            inChunk = 0
            if chunk.isEmpty {
                exhausted = true
                return nil
            }
        }
        inChunk += 1
        return chunk[inChunk - 1]
    }
}
