import Foundation
import AtlasStorage

/// What an `AheadFeed` runs: makes the next chunk of something open-loop.
protocol ChunkProducer: SendableMetatype {
    associatedtype Chunk
    mutating func makeChunk() -> Chunk
    /// Whether `chunk` is the last one: the producer stops after it.
    func isLast(_ chunk: Chunk) -> Bool
}

/// Runs a `ChunkProducer` on its own thread, at most `maxChunksAhead` chunks ahead of the
/// consumer (write and read arrivals: nothing the simulation does changes them, so they
/// can be made on the machine's second core). `threaded: false` makes each chunk when
/// asked, for comparison. The producer is owned by the feed and touched by one thread.
final class AheadFeed<Producer: ChunkProducer>: @unchecked Sendable {
    typealias Chunk = Producer.Chunk
    private var producer: Producer
    private let threaded: Bool
    private let maxChunksAhead: Int
    private let condition = NSCondition()
    /// Chunks made and not yet taken are `ready[readyStart...]`; a taken slot is set to nil
    /// at once, so what the consumer is done with is freed even while the producer keeps
    /// the queue from ever running empty (the slots are reclaimed when it does, or when
    /// half the array is spent).
    private var ready: [Chunk?] = []
    private var readyStart = 0
    private var cancelled = false
    private var producerExited = false
    private var niceOfProducer: Int32?

    /// The producer thread's nice value, set before its first chunk (nil before, unthreaded,
    /// or where unreadable).
    var producerNice: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return niceOfProducer
    }

    /// True once the producer thread has returned (done or cancelled).
    var hasProducerExited: Bool {
        condition.lock()
        defer { condition.unlock() }
        return producerExited
    }

    init(_ producer: Producer, name: String, maxChunksAhead: Int = 8, threaded: Bool) {
        self.producer = producer
        self.threaded = threaded
        self.maxChunksAhead = maxChunksAhead
        if threaded {
            // Works ahead of the simulation, which waits for nothing here while chunks are ready.
            HelperThread.start(name: name, worksAhead: true) { [self] in produce() }
        }
    }

    /// Chunks made and not yet taken (tests).
    var readyCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return ready.count - readyStart
    }

    /// The ready count at which a take wakes the producer.
    var lowWatermark: Int { maxChunksAhead / 2 }

    /// The next chunk. Ask only until the last one has been taken.
    func next() -> Chunk {
        guard threaded else { return producer.makeChunk() }
        condition.lock()
        defer { condition.unlock() }
        while readyStart == ready.count { condition.wait() }
        let c = ready[readyStart].take()!
        readyStart += 1
        if readyStart == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyStart = 0
        } else if readyStart >= 64 && readyStart * 2 >= ready.count {
            ready.removeFirst(readyStart)
            readyStart = 0
        }
        // Wake a producer waiting on a full queue only once half of it is spent: it then
        // makes several chunks per wake-up, not one per take (each wake-up is a system
        // call on the simulation thread and a context switch on the producer's).
        if ready.count - readyStart == lowWatermark { condition.broadcast() }
        return c
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func produce() {
        let nice = HelperThread.currentNice()
        condition.lock()
        niceOfProducer = nice
        condition.unlock()
        defer {
            condition.lock()
            producerExited = true
            condition.unlock()
        }
        while true {
            let c = producer.makeChunk()
            condition.lock()
            while ready.count - readyStart >= maxChunksAhead && !cancelled { condition.wait() }
            if cancelled {
                condition.unlock()
                return
            }
            ready.append(c)
            condition.broadcast()
            condition.unlock()
            if producer.isLast(c) { return }
        }
    }
}
