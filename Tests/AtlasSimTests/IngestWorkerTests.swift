import Foundation
import Testing
@testable import AtlasSim

/// `IngestWorker` runs jobs in submission order, one at a time, and `drain()` returns
/// every outcome in that order; jobs the worker has not started are run by the drainer.
@Suite struct IngestWorkerTests {
    /// What ran, in what order, on which thread.
    final class Journal: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [(job: Int, thread: ObjectIdentifier)] = []
        private var running = 0
        private(set) var overlapped = false
        func enter() {
            lock.lock(); running += 1; if running > 1 { overlapped = true }; lock.unlock()
        }
        func leave(_ job: Int) {
            let thread = ObjectIdentifier(Thread.current)
            lock.lock(); running -= 1; entries.append((job, thread)); lock.unlock()
        }
        var order: [Int] { lock.lock(); defer { lock.unlock() }; return entries.map(\.job) }
        func thread(of job: Int) -> ObjectIdentifier? {
            lock.lock(); defer { lock.unlock() }; return entries.first { $0.job == job }?.thread
        }
    }

    @Test func outcomesComeBackInOrderAcrossDrains() {
        let journal = Journal()
        let worker = IngestWorker<Int, Int>(name: "test.ingest") { job in
            journal.enter()
            if job % 7 == 0 { usleep(50) }  // some jobs outlast a handover
            journal.leave(job)
            return job * 2
        }
        defer { worker.stop() }
        var outcomes: [Int] = []
        var next = 0
        for round in 0..<50 {
            for _ in 0..<(round % 9 + 1) {
                worker.submit(next)
                next += 1
            }
            if round % 3 == 0 { usleep(100) }  // sometimes let the worker catch up
            outcomes += worker.drain()
            #expect(worker.outstanding == 0)
        }
        #expect(outcomes == (0..<next).map { $0 * 2 })
        #expect(journal.order == Array(0..<next), "jobs ran out of submission order")
        #expect(!journal.overlapped, "two jobs ran at once")
        #expect(worker.drain().isEmpty)
    }

    /// A drain waits for the one job the worker is running and runs the rest itself.
    @Test func drainWaitsOnlyForTheRunningJob() {
        let journal = Journal()
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let worker = IngestWorker<Int, Int>(name: "test.ingest") { job in
            journal.enter()
            if job == 0 {
                started.signal()
                release.wait()  // the worker is busy with job 0 until released
            }
            journal.leave(job)
            return job
        }
        defer { worker.stop() }
        for job in 0..<IngestWorker<Int, Int>.handOverBatches { worker.submit(job) }
        started.wait()
        for job in IngestWorker<Int, Int>.handOverBatches..<10 { worker.submit(job) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { release.signal() }
        let outcomes = worker.drain()
        #expect(outcomes == Array(0..<10))
        #expect(journal.order == Array(0..<10))
        let drainer = ObjectIdentifier(Thread.current)
        #expect(journal.thread(of: 0) != drainer)
        for job in 1..<10 { #expect(journal.thread(of: job) == drainer, "job \(job) waited for the worker") }
        #expect(!journal.overlapped)
    }
}
