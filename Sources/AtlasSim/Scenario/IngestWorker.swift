import Foundation
import AtlasCore
import AtlasStorage

/// Runs a scenario's ingest calls, in order, on a second thread while the simulation
/// thread goes on serving reads.
///
/// Why this is exact: between two flushes nothing a read observes changes. Staging only
/// claims slots and records rows (`ConcurrentStaging`), and the ingest's own results —
/// offsets, acknowledgements, rejections — are only looked at by the simulation at
/// `drain()`, which it calls before anything that depends on them (a flush, a fault, a
/// time-series sample, the end). So the run computes what the single-threaded run
/// computes, in the same order; the two are compared byte for byte in the tests.
///
/// Jobs are handed over a few at a time (each handover may wake the thread), or a flush
/// window's at once (`submitAll`, see `ScenarioSimulation.handIngestsAhead`), and the
/// worker takes them one at a time, so a `drain()` waits for at most the one job running
/// and takes the rest back. The clock the `Ingestor` reads is pinned to each job's
/// completion time (`PinnedClock`), never the simulation clock moving meanwhile.
/// A job also books what only the write path reads (acknowledgement latencies, watched
/// writes); the simulation thread books the rest (`ScenarioSimulation.book`).
final class IngestWorker<Job, Outcome>: @unchecked Sendable {
    static var handOverBatches: Int { 2 }
    /// How long `drain()` spins for the running job before it sleeps (~100 µs).
    static var drainSpins: Int { 256 }
    private let run: (Job) -> Outcome
    private let condition = NSCondition()
    /// Handed over and not started: `queued[queuedStart...]`.
    private var queued: [Job] = []
    private var queuedStart = 0
    private var done: [Outcome] = []
    private var busy = false
    private var stopped = false
    /// Simulation thread only: jobs not yet handed over.
    private var local: [Job] = []
    /// Simulation thread only: jobs submitted since the last drain.
    private(set) var outstanding = 0

    /// `run` is called on the worker thread, one job at a time, in submission order.
    init(name: String = "atlas.ingest", run: @escaping (Job) -> Outcome) {
        self.run = run
        // Not lowered in priority: a flush waits for it (`drain`).
        HelperThread.start(name: name, worksAhead: false) { [self] in work() }
    }

    /// Queues `job` after every earlier one.
    func submit(_ job: Job) {
        local.append(job)
        outstanding += 1
        if local.count >= Self.handOverBatches { handOver() }
    }

    /// Queues `jobs` after every earlier one and hands them all over at once.
    func submitAll(_ jobs: [Job]) {
        local.append(contentsOf: jobs)
        outstanding += jobs.count
        handOver()
    }

    /// Waits until every submitted job has run; returns their outcomes in order. Jobs
    /// the worker has not started are taken back and run here, after the one it is
    /// running: waiting for the worker to be scheduled for them cost more than running
    /// them. That one job (~25 µs) is waited for by spinning first — sleeping and being
    /// woken cost as much again.
    func drain() -> [Outcome] {
        guard outstanding > 0 else { return [] }
        condition.lock()
        var mine = Array(queued[queuedStart...])
        queued.removeAll(keepingCapacity: true)
        queuedStart = 0
        mine.append(contentsOf: local)
        local.removeAll(keepingCapacity: true)
        var spins = 0
        while busy && spins < Self.drainSpins {
            condition.unlock()
            for _ in 0..<16 { HelperThread.spinPause() }
            spins += 1
            condition.lock()
        }
        while busy { condition.wait() }
        var out = done
        done.removeAll(keepingCapacity: true)
        condition.unlock()
        for job in mine { out.append(run(job)) }
        outstanding = 0
        return out
    }

    /// Ends the thread once the queue is empty. Call after the last `drain()`.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func handOver() {
        guard !local.isEmpty else { return }
        condition.lock()
        queued.append(contentsOf: local)
        condition.broadcast()
        condition.unlock()
        local.removeAll(keepingCapacity: true)
    }

    private func work() {
        while true {
            condition.lock()
            while queuedStart == queued.count && !stopped { condition.wait() }
            if queuedStart == queued.count {
                condition.unlock()
                return
            }
            let job = queued[queuedStart]
            queuedStart += 1
            if queuedStart == queued.count {
                queued.removeAll(keepingCapacity: true)
                queuedStart = 0
            }
            busy = true
            condition.unlock()
            let outcome = run(job)
            condition.lock()
            done.append(outcome)
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// The `Ingestor`'s clock in a scenario: the simulation clock, or while the ingest
/// worker runs a job, that job's completion time.
final class PinnedClock: Clock, @unchecked Sendable {
    let base: SimClock
    /// Set by the worker for the duration of one job (the simulation thread does not
    /// call the `Ingestor` meanwhile).
    var pinnedMicros: Int64?

    init(base: SimClock) { self.base = base }

    var nowMicros: Int64 { pinnedMicros ?? base.nowMicros }
}

