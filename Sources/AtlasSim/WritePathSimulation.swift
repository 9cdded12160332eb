import AtlasCore
import AtlasStats

/// Drives AtlasCore's real write path — `Ingestor` (validate → `InMemoryIngestLog` →
/// `store.stage`) and `Flusher` (`stage_flush`, the dual write) — on any
/// `TelemetryStore`, in simulated time with service times from a `CostModel`.
///
/// - Writes arrive open loop and are batched into one ingest call per ingest tick; the
///   ingest worker serves calls FIFO and a call's readings are acknowledged when it
///   completes. Nothing observes a write between its arrival and the next tick, so a
///   tick generates the arrivals since the previous one in one pass (each with its own
///   drawn arrival time and the same draws, in the same order, as one event per
///   arrival) instead of paying a kernel event per write. An arrival at exactly a tick
///   time joins that tick's batch.
/// - A flush is requested every `flushIntervalMs` (or when staging reaches
///   `maxBatchRows`); the flush worker runs one at a time, so slow flushes queue up.
///   The real `stage_flush` runs when a flush starts (it takes the rows staged then);
///   its rows count as visible when it completes.
/// - Optional point reads run the real hot-attribute lookup on `readServers` servers.
public final class WritePathSimulation {
    public let config: WritePathConfig
    public let store: any TelemetryStore
    public let kernel: SimKernel
    public let log: InMemoryIngestLog
    public let ingestor: Ingestor
    public let flusher: Flusher
    public let tenantMap: TenantMap
    public let attributeSet: AttributeSet

    struct IngestBatch {
        var readings: [Reading]
        var arrivalNanos: [Int64]
    }

    // State touched per reading is marked @exclusivity(unchecked): the simulation is
    // single-threaded and no access to it spans a call that touches it again.
    private let streams: RandomStreams
    private let readStream: RandomStream
    private let readKeyStream: RandomStream
    private let ingestCostStream: RandomStream
    private let flushCostStream: RandomStream
    private let readCostStream: RandomStream
    private let writeArrivals: WriteArrivals
    @exclusivity(unchecked) private var readArrivals: ArrivalProcess
    @exclusivity(unchecked) private var readKeys: EntityIDGenerator
    private let ingestCost: PreparedCost
    private let flushCost: PreparedCost
    private let readCost: PreparedCost

    private var ingestPool: ServerPool<IngestBatch>!
    private var flushPool: ServerPool<Int>!
    private var readPool: ServerPool<(arrivalNanos: Int64, entityID: Int64)>!
    private var readArrivalKind = EventKind(index: 0)
    private var ingestTickKind = EventKind(index: 0)
    private var flushTimerKind = EventKind(index: 0)

    private let startNanos: Int64
    private let endNanos: Int64
    private let ingestTickNanos: Int64
    @exclusivity(unchecked) private var pending = IngestBatch(readings: [], arrivalNanos: [])
    @exclusivity(unchecked) private var flushRequested = false
    @exclusivity(unchecked) private var runningFlush: FlushResult?
    /// Arrival time of each acknowledged, not yet visible reading, by log offset.
    @exclusivity(unchecked) private var arrivalByOffset = RingBuffer<Int64>(initialCapacity: 1 << 16)
    @exclusivity(unchecked) private var firstUnseenOffset: Int64 = 1

    @exclusivity(unchecked) private var writesArrived = 0
    @exclusivity(unchecked) private var readingsFailed = 0
    @exclusivity(unchecked) private var readingsVisible = 0
    @exclusivity(unchecked) private var ingestFailures = 0
    @exclusivity(unchecked) private var readsArrived = 0
    @exclusivity(unchecked) private var readsFound = 0
    @exclusivity(unchecked) private var ingestToAckMs: LatencyRecorder
    @exclusivity(unchecked) private var ingestToVisibleMs: LatencyRecorder
    @exclusivity(unchecked) private var flushDurationMs: LatencyRecorder
    @exclusivity(unchecked) private var flushRows: LatencyRecorder
    @exclusivity(unchecked) private var readLatencyMs: LatencyRecorder

    /// Builds the world: installs the catalog (tenants, attributes) into `store`.
    public init(config: WritePathConfig, store: any TelemetryStore) throws {
        try config.validate()
        self.config = config
        self.store = store
        startNanos = config.startMicros * SimTime.nanosPerMicro
        endNanos = startNanos + SimTime.nanos(seconds: config.simulatedSeconds)
        ingestTickNanos = Swift.max(1, SimTime.nanos(millis: config.ingestTickMs))
        kernel = SimKernel(startNanos: startNanos)
        tenantMap = TenantMap(config.tenants)
        attributeSet = AttributeSet(config.attributes)
        let catalog = try Catalog(tenants: tenantMap.tenants, attributes: attributeSet.attributes)
        try store.install(catalog: catalog)
        log = InMemoryIngestLog()
        ingestor = try Ingestor(validator: Validator(catalog: catalog), log: log, store: store, clock: kernel.clock)
        flusher = Flusher(ingestor: ingestor, clock: kernel.clock,
                          config: Flusher.Config(intervalMs: config.flushIntervalMs, maxBatchRows: config.maxBatchRows))
        streams = RandomStreams(runSeed: config.seed)
        readStream = streams.stream("reads.arrivals")
        readKeyStream = streams.stream("reads.keys")
        ingestCostStream = streams.stream("costs.ingest")
        flushCostStream = streams.stream("costs.flush")
        readCostStream = streams.stream("costs.read")
        readArrivals = ArrivalProcess(config.reads, originNanos: startNanos)
        let keys = EntityIDGenerator(idSpace: config.idSpace, distribution: config.keys)
        readKeys = keys
        writeArrivals = WriteArrivals(process: ArrivalProcess(config.writes, originNanos: startNanos), keys: keys,
                                      streams: streams, attributeSet: attributeSet, tenants: tenantMap,
                                      startNanos: startNanos, endNanos: endNanos, tickNanos: ingestTickNanos)
        ingestCost = try PreparedCost(config.costs.ingest)
        flushCost = try PreparedCost(config.costs.flush)
        readCost = try PreparedCost(config.costs.pointRead)
        func recorder() -> LatencyRecorder {
            LatencyRecorder(exactSampleBudget: config.latencyExactSampleBudget,
                            relativeError: config.latencyRelativeError, minTrackable: 1e-6)
        }
        ingestToAckMs = recorder()
        ingestToVisibleMs = recorder()
        flushDurationMs = recorder()
        flushRows = LatencyRecorder(exactSampleBudget: config.latencyExactSampleBudget,
                                    relativeError: config.latencyRelativeError, minTrackable: 0.5)
        readLatencyMs = recorder()
        let budget = config.latencyExactSampleBudget
        ingestPool = ServerPool(name: "ingest", servers: 1, kernel: kernel, exactSampleBudget: budget,
            onStart: { [unowned self] b, _ in self.ingestCost.sampleNanos(rows: b.readings.count, self.ingestCostStream) },
            onComplete: { [unowned self] b in self.completeIngest(b) })
        flushPool = ServerPool(name: "flush", servers: 1, kernel: kernel, exactSampleBudget: budget,
            onStart: { [unowned self] _, _ in self.startFlush() },
            onComplete: { [unowned self] _ in self.completeFlush() })
        readPool = ServerPool(name: "read", servers: config.readServers, kernel: kernel, exactSampleBudget: budget,
            onStart: { [unowned self] job, _ in self.startRead(entityID: job.entityID) },
            onComplete: { [unowned self] job in
                self.readLatencyMs.record(SimTime.millis(nanos: self.kernel.nowNanos - job.arrivalNanos))
            })
        readArrivalKind = kernel.register("read.arrival") { [unowned self] _ in self.readArrived() }
        ingestTickKind = kernel.register("ingest.tick") { [unowned self] _ in self.ingestTick() }
        flushTimerKind = kernel.register("flush.timer") { [unowned self] _ in self.flushTimer() }
    }

    // MARK: running

    /// Runs the arrival window, then drains, and summarises.
    public func run() -> WritePathSummary {
        if let t = readArrivals.next(afterNanos: startNanos, readStream), t < endNanos {
            kernel.schedule(readArrivalKind, atNanos: t)
        }
        kernel.schedule(ingestTickKind, atNanos: startNanos + ingestTickNanos)
        kernel.schedule(flushTimerKind, atNanos: startNanos + config.flushIntervalMs * SimTime.nanosPerMilli)
        kernel.run(untilNanos: endNanos)
        let drainLimit = endNanos + SimTime.nanos(seconds: config.maxDrainSeconds)
        let step = config.flushIntervalMs * SimTime.nanosPerMilli
        while !isDrained, kernel.nowNanos < drainLimit {
            kernel.run(untilNanos: Swift.min(drainLimit, kernel.nowNanos + step))
        }
        return summary()
    }

    /// No reading waits anywhere: every arrived reading was ingested and every
    /// acknowledged one is visible, and no read is outstanding. (An empty periodic
    /// flush may still be running; it changes nothing.)
    public var isDrained: Bool {
        writeArrivals.nextNanos == nil && pending.readings.isEmpty && ingestPool.isIdle && arrivalByOffset.isEmpty && readPool.isIdle
    }

    // MARK: writes

    private func ingestTick() {
        let times = writeArrivals.generate(through: kernel.nowNanos, into: &pending.readings)
        if pending.arrivalNanos.isEmpty { pending.arrivalNanos = times } else { pending.arrivalNanos += times }
        writesArrived += times.count
        if !pending.readings.isEmpty {
            ingestPool.submit(pending)
            pending = IngestBatch(readings: [], arrivalNanos: [])  // the next tick's arrays are handed over
        }
        kernel.schedule(ingestTickKind, afterNanos: ingestTickNanos)
    }

    private func completeIngest(_ b: IngestBatch) {
        let now = kernel.nowNanos
        let ack: IngestAck
        do {
            ack = try ingestor.ingest(b.readings)
        } catch {
            ingestFailures += 1
            readingsFailed += b.readings.count
            return
        }
        guard let offsets = ack.offsets else { return }
        precondition(offsets.lowerBound == firstUnseenOffset + Int64(arrivalByOffset.count),
                     "ingest offsets are not consecutive with earlier acknowledgements")
        let rejected = ack.rejections.isEmpty ? [] : Set(ack.rejections.map(\.index))
        for (i, arrival) in b.arrivalNanos.enumerated() where rejected.isEmpty || !rejected.contains(i) {
            arrivalByOffset.append(arrival)
            ingestToAckMs.record(SimTime.millis(nanos: now - arrival))
        }
        if (try? store.stagedCount()) ?? 0 >= config.maxBatchRows { requestFlush() }
    }

    // MARK: flushes

    private func flushTimer() {
        requestFlush()
        kernel.schedule(flushTimerKind, afterNanos: config.flushIntervalMs * SimTime.nanosPerMilli)
    }

    private func requestFlush() {
        if flushPool.isIdle { flushPool.submit(0) } else { flushRequested = true }
    }

    /// Runs the real `stage_flush` and returns its simulated duration.
    private func startFlush() -> Int64 {
        do {
            let r = try flusher.flushNow()
            runningFlush = r
            flushRows.record(Double(r.rowsTaken))
            let d = flushCost.sampleNanos(rows: r.rowsTaken, flushCostStream)
            flushDurationMs.record(SimTime.millis(nanos: d))
            return d
        } catch {
            // Counted by the Flusher; nothing became visible. The next request retries.
            runningFlush = nil
            return flushCost.sampleNanos(rows: 0, flushCostStream)
        }
    }

    private func completeFlush() {
        if let r = runningFlush {
            let now = kernel.nowNanos
            while firstUnseenOffset <= r.flushedThroughOffset, let arrival = arrivalByOffset.popFirst() {
                ingestToVisibleMs.record(SimTime.millis(nanos: now - arrival))
                firstUnseenOffset += 1
                readingsVisible += 1
            }
            runningFlush = nil
        }
        if flushRequested {
            flushRequested = false
            flushPool.submit(0)
        }
    }

    // MARK: reads

    private func readArrived() {
        let now = kernel.nowNanos
        readsArrived += 1
        readPool.submit((now, readKeys.next(readKeyStream)))
        if let t = readArrivals.next(afterNanos: now, readStream), t < endNanos {
            kernel.schedule(readArrivalKind, atNanos: t)
        }
    }

    private func startRead(entityID: Int64) -> Int64 {
        let tenant = tenantMap.tenant(of: entityID)
        if (try? store.hotAttributes(tenantID: tenant, entityID: entityID)) != nil { readsFound += 1 }
        return readCost.sampleNanos(rows: 1, readCostStream)
    }

    // MARK: summary

    private func summary() -> WritePathSummary {
        var byReason: [String: Int] = [:]
        for (k, v) in ingestor.rejections.byReason { byReason[k.rawValue] = v }
        let elapsed = Double(Swift.max(1, kernel.nowNanos - startNanos))
        let t = flusher.totals
        return WritePathSummary(
            seed: config.seed, store: store.name, simulatedSeconds: config.simulatedSeconds,
            drainSeconds: SimTime.seconds(nanos: Swift.max(0, kernel.nowNanos - endNanos)),
            drained: isDrained,
            events: kernel.eventsProcessed, eventCounts: kernel.eventCounts,
            writesArrived: writesArrived, readingsAcknowledged: ingestor.acknowledgedCount,
            readingsRejected: ingestor.rejections.total, rejectionsByReason: byReason,
            readingsFailed: readingsFailed, readingsVisible: readingsVisible,
            ingestCalls: ingestPool.completedCount, ingestFailures: ingestFailures,
            flushes: flusher.flushCount, flushFailures: flusher.failedFlushCount,
            rowsFlushed: t.rowsInserted, entitiesRegistered: t.entitiesRegistered,
            hotCellsWritten: t.hotCellsWritten, hotCellsSkippedAsOlder: t.hotCellsSkippedAsOlder,
            maxIngestQueueLength: ingestPool.maxQueueLength,
            ingestUtilization: Double(ingestPool.busyNanos) / elapsed,
            flushUtilization: Double(flushPool.busyNanos) / elapsed,
            ingestToAckMs: ingestToAckMs.summary(), ingestToVisibleMs: ingestToVisibleMs.summary(),
            ingestQueueWaitMs: ingestPool.queueWaitMs.summary(), flushDurationMs: flushDurationMs.summary(),
            flushRows: flushRows.summary(),
            readsArrived: readsArrived, readsFound: readsFound, readLatencyMs: readLatencyMs.summary())
    }
}
