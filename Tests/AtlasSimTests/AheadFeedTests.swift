import Foundation
import Testing
@testable import AtlasSim
import AtlasStorage

/// `AheadFeed` hands over chunks made on its own thread; once taken, a chunk must be
/// freed when the consumer drops it, even while the producer keeps the queue from running
/// empty (a feed that kept every taken chunk held all of an hour's readings, ~2 GB).
@Suite struct AheadFeedTests {
    final class Payload {
        let index: Int
        init(_ index: Int) { self.index = index }
    }

    struct Producer: ChunkProducer {
        let count: Int
        var made = 0
        mutating func makeChunk() -> [Payload] {
            made += 1
            return [Payload(made)]
        }
        func isLast(_ chunk: [Payload]) -> Bool { chunk[0].index == count }
    }

    @Test func takenChunksAreFreedWhileTheProducerStaysAhead() {
        let feed = AheadFeed(Producer(count: 400), name: "test.feed", maxChunksAhead: 8, threaded: true)
        var taken: [() -> Payload?] = []
        for expected in 1...300 {
            // Let the producer refill the queue before each take (it is woken when the
            // queue falls to half), so it never runs empty.
            let deadline = Date().addingTimeInterval(1)
            while feed.readyCount <= feed.lowWatermark && Date() < deadline { usleep(100) }
            let chunk = feed.next()
            #expect(chunk[0].index == expected)
            weak var w = chunk[0]
            taken.append({ w })
        }
        // The queue never ran empty, yet nothing taken is held any more.
        let alive = taken.filter { $0() != nil }.count
        #expect(alive == 0, "\(alive) of 300 taken chunks are still held by the feed")
        for expected in 301...400 { #expect(feed.next()[0].index == expected) }
    }

    /// The producer works ahead, so it steps back in priority: on two cores the
    /// simulation thread must not be preempted by it (`HelperThread`).
    @Test func producerRunsBelowTheConsumersPriority() throws {
        let consumerNice = try #require(HelperThread.currentNice())
        let feed = AheadFeed(Producer(count: 3), name: "test.nice", threaded: true)
        #expect((1...3).map { _ in feed.next()[0].index } == [1, 2, 3])
        let expected = Swift.min(19, consumerNice + HelperThread.niceIncrement)
        #expect(feed.producerNice == expected)
        #expect(HelperThread.currentNice() == consumerNice, "only the producer's thread is lowered")
        #expect(producerExits(feed))
    }

    @Test func inlineFeedMakesEachChunkWhenAsked() {
        let feed = AheadFeed(Producer(count: 3), name: "test.inline", threaded: false)
        #expect((1...3).map { _ in feed.next()[0].index } == [1, 2, 3])
    }
}

/// Waits up to 5 s for `feed`'s producer thread to return; whether it did.
func producerExits<P>(_ feed: AheadFeed<P>) -> Bool {
    var waitedMs = 0
    while !feed.hasProducerExited && waitedMs < 5_000 {
        usleep(10_000)
        waitedMs += 10
    }
    return feed.hasProducerExited
}
