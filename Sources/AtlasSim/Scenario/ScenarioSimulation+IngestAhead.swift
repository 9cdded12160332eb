import AtlasCore

/// Ingests handed to the worker a whole flush window ahead.
///
/// Why: a flush must wait for every ingest that completed before it. Handed over as
/// their completion events come, the last few of a window reach the worker only
/// microseconds of wall time before the flush, so the flush ran them itself (~17 % of
/// all ingests; ~10 % of the simulation thread's time, spinning and running them).
///
/// Why this is exact: the ingest path is open-loop up to the store. Arrivals come from
/// their own streams, the ingest pool is one FIFO server whose service times come from
/// its own stream, so when it is idle at a flush the completion time of every batch of
/// the next window follows from the ticks' arrivals and the draws, taken in the order the
/// pool would take them (each kept with its tick, then its batch:
/// `IngestBatch.serviceDrawNanos`). Between two flushes nothing the simulation observes
/// depends on staging, and what an ingest books is booked at the next `syncIngest()`,
/// as before. So the jobs that complete before the window's end
/// (the next flush timer or time-series sample) go to the worker at once, and the rest
/// take the usual path. Only runs without faults, with room in staging for the whole
/// window and no flush asked for meanwhile, look ahead; others, and any window where the
/// pool is busy at the flush, run as before. Tested byte for byte against the serial run.
extension ScenarioSimulation {
    /// Called by `startFlush()` once the flush is done (the worker is idle).
    func handIngestsAhead() {
        guard let worker = ingestWorker, let concurrentStore, config.faults.isEmpty, !primaryDown,
              !flushRequested, ingestPool.isIdle, ahead.handedCompletions == 0, kernel.nowNanos < endNanos else {
            ahead.windowsInline += 1
            return
        }
        let windowEnd = Swift.min(nextFlushTimerNanos, nextSampleNanos)
        var busyUntil = Swift.max(ingestBusyUntilNanos, kernel.nowNanos)
        var jobs: [IngestJob] = []
        var readings = 0
        var tick = nextIngestTickNanos, k = 0
        while tick < windowEnd {
            if k == ahead.pendingTicks {
                var r: [Reading] = []
                let times = writeArrivals.generate(through: tick, into: &r)
                ahead.append(IngestAhead.Tick(throughNanos: tick, readings: r, times: times, serviceDrawNanos: nil))
            }
            let t = ahead[pending: k]
            precondition(t.throughNanos == tick, "ingest ticks made ahead out of step")
            k += 1
            tick += ingestTickNanos
            guard !t.readings.isEmpty else { continue }
            let draw: Int64
            if let d = t.serviceDrawNanos {
                draw = d
            } else {
                draw = ingestCost.sampleNanos(rows: t.readings.count, ingestCostStream)
                ahead[pending: k - 1].serviceDrawNanos = draw
            }
            let completion = Swift.max(t.throughNanos, busyUntil) + Swift.max(0, draw)
            busyUntil = completion
            guard completion < windowEnd,
                  stagedAtSync + readingsSinceSync + readings + t.readings.count < config.topology.maxBatchRows
            else { break }
            readings += t.readings.count
            jobs.append(IngestJob(batch: IngestBatch(readings: t.readings, arrivalNanos: t.times),
                                  nowNanos: completion, crashDistanceNanos: nil))
        }
        guard !jobs.isEmpty else {
            ahead.windowsInline += 1
            return
        }
        if readings > entityHeadroom {
            concurrentStore.reserveStagingEntities(readings)
            entityIndexReservations += 1
            noteStagingChanged()
        }
        entityHeadroom -= readings
        readingsSinceSync += readings
        ahead.handedCompletions = jobs.count
        ahead.windowsAhead += 1
        worker.submitAll(jobs)
    }
}
