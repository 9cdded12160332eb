import AtlasCore
import AtlasStats
import AtlasStorage

/// One replication of a scenario: AtlasCore's real write path (`Ingestor`, `Flusher`)
/// and read path (`QueryRouter`, `CircuitBreaker`, `LRUCache`) on a real store, with
/// simulated replicas (`SimulatedReplica`), an OLAP store fed by periodic CDC loads,
/// per-source service pools, and the scenario's faults on a timeline.
///
/// The write path is `WritePathSimulation`'s (see there) plus faults: a primary crash
/// truncates the UNLOGGED staging (`clearStaging()`); while the primary is down, ingest
/// calls are refused or buffered in the log per `Topology.primaryOutageWrites`, flushes
/// wait; at promotion `Ingestor.recover()` replays the log (only with `durableLog`).
/// A committed flush invalidates the cache keys it changed and appends to the commit
/// history that judges staleness (`CommitHistory`).
///
/// Reads: each arrival draws a level from the mix and an entity from the key
/// distribution, is routed by the real router (running the real point lookup), then
/// waits for the chosen source's service pool; its latency is arrival → completion.
public final class ScenarioSimulation {
    public let config: ScenarioConfig
    public let seed: UInt64
    public let kernel: SimKernel
    let rawStore: any TelemetryStore
    /// `rawStore` when it is the memory store (read prefetch hints).
    let memoryStore: MemoryStore?
    let store: FaultableStore
    let log: InMemoryIngestLog
    let ingestor: Ingestor
    let ingestClock: PinnedClock
    /// Runs ingests beside the reads when the store allows it (`ConcurrentStaging`).
    private(set) var ingestWorker: IngestWorker<IngestJob, IngestBooking>?
    let concurrentStore: (any ConcurrentStaging)?
    /// Since the last `syncIngest()`: readings handed to the worker, and the staged
    /// count and entity headroom as of then (bounds that decide when to sync early).
    @exclusivity(unchecked) var readingsSinceSync = 0
    @exclusivity(unchecked) var stagedAtSync = 0
    @exclusivity(unchecked) var entityHeadroom = 0
    /// Times the entity index was grown ahead of staging (at a sync point).
    var entityIndexReservations = 0
    let flusher: Flusher
    let tenantMap: TenantMap
    let attributeSet: AttributeSet
    let router: QueryRouter
    let cache: FaultableCache?
    let replicas: [SimulatedReplica]
    /// Replica names by index: found by comparison, as the router's source names are
    /// (a read's source is one of a handful; hashing its name cost more).
    let replicaNames: [String]
    let olap: ReportedSource
    let executor: SimReadExecutor

    struct IngestBatch {
        var readings: [Reading]
        var arrivalNanos: [Int64]
        /// The ingest pool's service draw for this batch when it was taken ahead
        /// (`handIngestsAhead`); nil: drawn when the batch starts.
        var serviceDrawNanos: Int64? = nil
    }
    struct IngestJob {
        var batch: IngestBatch
        /// The ingest pool's completion time: what the clock reads for this ingest.
        var nowNanos: Int64
        var crashDistanceNanos: Int64?
    }
    /// What an ingest leaves for the simulation thread to book.
    enum IngestBooking {
        /// The log append failed: nothing acknowledged.
        case failed(readings: Int)
        case notAcknowledged
        case acknowledged(firstOffset: Int64, arrivalNanos: [Int64])
    }
    struct ReadJob {
        var arrivalNanos: Int64
        var level: Int  // 0 strong, 1 eventual, 2 analytics
        var penaltyNanos: Int64
    }
    struct WatchedWrite {
        var offset: Int64
        var reading: Reading
        var ackedNanos: Int64
        /// Distance to the nearest crash (nil: in the uniform sample only).
        var crashDistanceNanos: Int64?
    }

    let streams: RandomStreams
    let faultStream: RandomStream
    let ingestCostStream, flushCostStream, readCostStream: RandomStream
    let writeArrivals: WriteArrivals
    let readArrivals: ReadArrivals
    let ingestCost: PreparedCost
    let flushCost: PreparedCost
    let readCosts: [DistributionSampler]  // primary, replica, cache, olap

    var ingestPool: ServerPool<IngestBatch>!
    var flushPool: ServerPool<Int>!
    var primaryPool: ServerPool<ReadJob>!
    var replicaPools: [ServerPool<ReadJob>] = []
    var cachePool: ServerPool<ReadJob>!
    var olapPool: ServerPool<ReadJob>!
    var readArrivalKind = EventKind(index: 0)
    var ingestTickKind = EventKind(index: 0)
    var flushTimerKind = EventKind(index: 0)
    var replayTickKind = EventKind(index: 0)
    var probeKind = EventKind(index: 0)
    var olapLoadKind = EventKind(index: 0)
    var sampleKind = EventKind(index: 0)

    let startNanos: Int64
    let endNanos: Int64
    let ingestTickNanos: Int64
    let levelBoundMicros: [Int64]
    @exclusivity(unchecked) var pending = IngestBatch(readings: [], arrivalNanos: [])
    /// Ticks and ingests made ahead (`handIngestsAhead`), and the times it works from.
    @exclusivity(unchecked) var ahead = IngestAhead()
    @exclusivity(unchecked) var nextIngestTickNanos: Int64 = 0
    @exclusivity(unchecked) var nextFlushTimerNanos: Int64 = 0
    @exclusivity(unchecked) var nextSampleNanos: Int64 = 0
    /// When the ingest pool's batch in service completes (≤ now when it is idle).
    @exclusivity(unchecked) var ingestBusyUntilNanos: Int64 = 0
    /// The read arrival scheduled next.
    @exclusivity(unchecked) var nextRead: ReadArrival?
    @exclusivity(unchecked) var flushRequested = false
    @exclusivity(unchecked) var runningFlush: FlushResult?
    @exclusivity(unchecked) var arrivalByOffset = RingBuffer<Int64>(initialCapacity: 1 << 16)
    @exclusivity(unchecked) var firstUnseenOffset: Int64 = 1
    var commits: CommitHistory
    var primaryDown = false
    /// Store errors raised inside kernel callbacks (which cannot throw); the run ends with the first.
    var runtimeErrors: [any Error] = []
    var flusherStallDepth = 0
    /// Offsets staged but unflushed at a crash with the log off (they can never become visible).
    var lostRanges: [ClosedRange<Int64>] = []
    var crashWindows: [(Int64, Int64)] = []
    /// Written by whichever thread runs ingests (`ingest(_:)`); read after `syncIngest()`.
    var watched: [WatchedWrite] = []
    var verificationExpectedLost = 0

    // Figures.
    var writes = WriteFigures(ingestToAckMs: .empty, ingestToVisibleMs: .empty, flushRows: .empty)
    var levelCounts = [LevelCounts](repeating: LevelCounts(), count: 3)
    var fallbackToPrimary = 0
    /// Point lookups answered with no entity (see `ReadFigures.emptyAnswers`).
    var emptyAnswers = 0
    var faultEvents: [FaultEvent] = []
    /// Written by whichever thread runs ingests (`ingest(_:)`); read after `syncIngest()`.
    @exclusivity(unchecked) var ingestToAckMs: LatencyRecorder
    @exclusivity(unchecked) var ingestToVisibleMs: LatencyRecorder
    var flushRowsRecorder: LatencyRecorder
    @exclusivity(unchecked) var readLatencyMs: [LatencyRecorder]
    var replicaLagSeconds: [LatencyRecorder]
    // Time series.
    public internal(set) var timeSeries: [TimeSeriesRow] = []
    var interval = IntervalCounters()
    var intervalLatency: [LatencyRecorder]

    struct LevelCounts {
        var reads = 0, errors = 0, stale = 0, ryw = 0, rywViolations = 0
    }
    struct IntervalCounters {
        var acked = 0, refused = 0, reads = 0, cacheHits = 0, cacheLookups = 0, fallbacks = 0, eventual = 0, stale = 0
    }

    /// Called every `progressEverySeconds` of simulated time.
    public var progress: ((ScenarioProgress) -> Void)?
    public var progressEverySeconds: Double = 10

    /// Builds the world for one replication with `seed`; installs the catalog into `store`.
    /// With `threadedIngest` (and a store that allows it) ingests run on a second
    /// thread beside the reads (`IngestWorker`); the results are the same bytes.
    public init(config: ScenarioConfig, seed: UInt64, store raw: any TelemetryStore, threadedIngest: Bool = true) throws {
        self.config = config
        self.seed = seed
        let topo = config.topology
        let work = config.workload
        startNanos = config.startMicros * SimTime.nanosPerMicro
        endNanos = startNanos + SimTime.nanos(seconds: config.durationSeconds)
        ingestTickNanos = Swift.max(1, SimTime.nanos(millis: topo.ingestTickMs))
        kernel = SimKernel(startNanos: startNanos)
        rawStore = raw
        memoryStore = raw as? MemoryStore
        store = FaultableStore(raw)
        tenantMap = TenantMap(work.tenants)
        attributeSet = AttributeSet(work.attributes)
        let catalog = try Catalog(tenants: tenantMap.tenants, attributes: attributeSet.attributes)
        try store.install(catalog: catalog)
        log = InMemoryIngestLog()
        ingestClock = PinnedClock(base: kernel.clock)
        ingestor = try Ingestor(validator: Validator(catalog: catalog), log: log, store: store, clock: ingestClock)
        ingestor.tracksHotEntities = topo.cache.enabled
        flusher = Flusher(ingestor: ingestor, clock: kernel.clock,
                          config: Flusher.Config(intervalMs: topo.flushIntervalMs, maxBatchRows: topo.maxBatchRows))
        streams = RandomStreams(runSeed: seed)
        faultStream = streams.stream("faults")
        ingestCostStream = streams.stream("costs.ingest")
        flushCostStream = streams.stream("costs.flush")
        readCostStream = streams.stream("costs.read")
        var writeConfig = work.writes
        for f in config.faults {
            if case let .writeBurst(d, m) = f.kind {
                writeConfig.bursts.append(Burst(startSeconds: f.atSeconds, durationSeconds: d, multiplier: m))
            }
        }
        let keys = EntityIDGenerator(idSpace: work.idSpace, distribution: work.keys)
        writeArrivals = WriteArrivals(process: ArrivalProcess(writeConfig, originNanos: startNanos), keys: keys,
                                      streams: streams, attributeSet: attributeSet, tenants: tenantMap,
                                      startNanos: startNanos, endNanos: endNanos, tickNanos: ingestTickNanos)
        ingestCost = try PreparedCost(topo.services.ingest)
        flushCost = try PreparedCost(topo.services.flush)
        let s = topo.services
        readCosts = try [s.primaryRead, s.replicaRead, s.cacheRead, s.olapRead].map { try $0.serviceMs.sampler() }
        let mixTotal = work.readMix.strong + work.readMix.eventual + work.readMix.analytics
        readArrivals = ReadArrivals(generator: ReadArrivalGenerator(
            process: ArrivalProcess(work.reads, originNanos: startNanos), keys: keys, tenants: tenantMap, streams: streams,
            mixCumulative: (work.readMix.strong / mixTotal, (work.readMix.strong + work.readMix.eventual) / mixTotal),
            rywFraction: work.readYourWritesFraction, rywAgeSeconds: try work.readYourWritesAgeSeconds.sampler(),
            startNanos: startNanos, endNanos: endNanos))
        levelBoundMicros = [0, Int64(topo.routing.replicaMaxLagSeconds * 1e6), Int64(topo.routing.olapMaxLagSeconds * 1e6)]
        commits = CommitHistory(retentionMicros: Int64((topo.routing.olapMaxLagSeconds + topo.olap.loadIntervalSeconds
                                                        + topo.olap.pipelineDelaySeconds) * 2e6))

        // Read path.
        var reps: [SimulatedReplica] = []
        for r in topo.replicas {
            reps.append(try SimulatedReplica(spec: r, startNanos: startNanos, stream: streams.stream("replica.\(r.name).lag")))
        }
        replicas = reps
        replicaNames = reps.map(\.spec.name)
        olap = ReportedSource(name: "olap", kind: .olap, reportedThroughMicros: config.startMicros)
        let lru = topo.cache.enabled
            ? LRUCache(clock: kernel.clock, config: LRUCache.Config(
                maxEntries: topo.cache.maxEntries, maxBytes: Int.max / 2, ttlMicros: Int64(topo.cache.ttlSeconds * 1e6),
                invalidationMemoryMicros: Int64(topo.routing.replicaMaxLagSeconds * 2e6)))
            : nil
        cache = lru.map(FaultableCache.init)
        let breaker = CircuitBreaker(clock: kernel.clock, config: CircuitBreaker.Config(
            failureThreshold: topo.breaker.failureThreshold, coolDownMicros: Int64(topo.breaker.coolDownSeconds * 1e6)))
        router = QueryRouter(clock: kernel.clock, primary: PrimarySource(), replicas: reps.map(\.source), olap: olap,
                             cache: cache, breaker: breaker,
                             config: QueryRouter.Config(
                                replicaTargetLagMicros: Int64(topo.routing.replicaTargetLagSeconds * 1e6),
                                replicaMaxLagMicros: Int64(topo.routing.replicaMaxLagSeconds * 1e6),
                                olapMaxLagMicros: Int64(topo.routing.olapMaxLagSeconds * 1e6)))
        executor = SimReadExecutor(primary: store, replicaStore: raw, replicas: reps)

        func recorder(_ minTrackable: Double = 1e-6) -> LatencyRecorder {
            LatencyRecorder(exactSampleBudget: 1_000_000, relativeError: 0.01, minTrackable: minTrackable)
        }
        ingestToAckMs = recorder()
        ingestToVisibleMs = recorder()
        flushRowsRecorder = recorder(0.5)
        readLatencyMs = [recorder(), recorder(), recorder()]
        replicaLagSeconds = reps.map { _ in recorder() }
        intervalLatency = [Self.intervalRecorder(), Self.intervalRecorder(), Self.intervalRecorder()]

        // Kernel wiring. Handlers capture `unowned(unsafe) self`: the kernel and the pools
        // belong to this simulation and run handlers only inside its own `run()`, and a
        // checked `unowned` costs two atomic operations per event (3 per read).
        concurrentStore = threadedIngest ? raw as? any ConcurrentStaging : nil
        if concurrentStore != nil { ingestWorker = IngestWorker { [unowned self] job in self.ingest(job) } }
        ingestPool = ServerPool(name: "ingest", servers: 1, kernel: kernel,
            onStart: { [unowned(unsafe) self] b, _ in
                let s = b.serviceDrawNanos ?? self.ingestCost.sampleNanos(rows: b.readings.count, self.ingestCostStream)
                self.ingestBusyUntilNanos = self.kernel.nowNanos + Swift.max(0, s)
                return s
            },
            onComplete: { [unowned(unsafe) self] b in self.completeIngest(b) })
        flushPool = ServerPool(name: "flush", servers: 1, kernel: kernel,
            onStart: { [unowned(unsafe) self] _, _ in self.startFlush() },
            onComplete: { [unowned(unsafe) self] _ in self.completeFlush() })
        func readPool(_ name: String, _ servers: Int, _ cost: Int) -> ServerPool<ReadJob> {
            ServerPool(name: name, servers: servers, kernel: kernel, exactSampleBudget: 0,
                onStart: { [unowned(unsafe) self] _, _ in
                    SimTime.nanos(millis: Swift.max(0, self.readCosts[cost].sample(self.readCostStream)))
                },
                onComplete: { [unowned(unsafe) self] job in self.completeRead(job) })
        }
        primaryPool = readPool("read.primary", s.primaryRead.connections, 0)
        replicaPools = reps.map { readPool("read.\($0.spec.name)", s.replicaRead.connections, 1) }
        cachePool = readPool("read.cache", s.cacheRead.connections, 2)
        olapPool = readPool("read.olap", s.olapRead.connections, 3)
        readArrivalKind = kernel.register("read.arrival") { [unowned(unsafe) self] _ in self.readArrived() }
        ingestTickKind = kernel.register("ingest.tick") { [unowned(unsafe) self] _ in self.ingestTick() }
        flushTimerKind = kernel.register("flush.timer") { [unowned(unsafe) self] _ in self.flushTimer() }
        replayTickKind = kernel.register("replica.replay") { [unowned(unsafe) self] _ in self.replayTick() }
        probeKind = kernel.register("replica.probe") { [unowned(unsafe) self] _ in self.probeTick() }
        olapLoadKind = kernel.register("olap.load") { [unowned(unsafe) self] _ in self.olapLoad() }
        sampleKind = kernel.register("sample") { [unowned(unsafe) self] _ in self.sampleTick() }

        flusher.onCommit = { [unowned(unsafe) self] _, entities in
            let now = self.kernel.clock.nowMicros
            self.commits.append(atMicros: now)
            if let cache = self.cache, !entities.isEmpty { cache.invalidate(entities) }
        }
        try scheduleFaults()
        noteStagingChanged()
    }

    deinit { ingestWorker?.stop() }

    // MARK: running

    /// Runs the arrival window, drains, verifies against the store and evaluates the SLOs.
    public func run() throws -> ScenarioRunResult {
        nextRead = readArrivals.next()
        if let r = nextRead { kernel.schedule(readArrivalKind, atNanos: r.atNanos) }
        let topo = config.topology
        kernel.schedule(ingestTickKind, atNanos: startNanos + ingestTickNanos)
        nextIngestTickNanos = startNanos + ingestTickNanos
        kernel.schedule(flushTimerKind, atNanos: startNanos + topo.flushIntervalMs * SimTime.nanosPerMilli)
        nextFlushTimerNanos = startNanos + topo.flushIntervalMs * SimTime.nanosPerMilli
        kernel.schedule(replayTickKind, atNanos: startNanos)
        kernel.schedule(probeKind, atNanos: startNanos + SimTime.nanos(millis: topo.lagProbeIntervalMs))
        kernel.schedule(olapLoadKind, atNanos: startNanos + SimTime.nanos(seconds: topo.olap.loadIntervalSeconds))
        kernel.schedule(sampleKind, atNanos: startNanos + SimTime.nanos(seconds: config.outputs.timeSeriesIntervalSeconds))
        nextSampleNanos = startNanos + SimTime.nanos(seconds: config.outputs.timeSeriesIntervalSeconds)
        let chunk = Swift.max(SimTime.nanosPerSecond, SimTime.nanos(seconds: progressEverySeconds))
        while kernel.nowNanos < endNanos {
            kernel.run(untilNanos: Swift.min(endNanos, kernel.nowNanos + chunk))
            reportProgress(draining: false)
        }
        let drainLimit = endNanos + SimTime.nanos(seconds: config.maxDrainSeconds)
        let step = topo.flushIntervalMs * SimTime.nanosPerMilli
        while !isDrained, kernel.nowNanos < drainLimit {
            kernel.run(untilNanos: Swift.min(drainLimit, kernel.nowNanos + step))
        }
        reportProgress(draining: true)
        return try finish()
    }

    func reportProgress(draining: Bool) {
        progress?(ScenarioProgress(simulatedSeconds: SimTime.seconds(nanos: kernel.nowNanos - startNanos),
                                   totalSeconds: config.durationSeconds, events: kernel.eventsProcessed,
                                   draining: draining))
    }

    /// Nothing waits anywhere: every arrived write was ingested (or refused) and every
    /// acknowledged one is visible or known lost, no read is outstanding, the primary is up.
    public var isDrained: Bool {
        syncIngest()
        return writeArrivals.nextNanos == nil && ahead.isEmpty && pending.readings.isEmpty && ingestPool.isIdle
            && arrivalByOffset.isEmpty && !primaryDown
            && primaryPool.isIdle && cachePool.isIdle && olapPool.isIdle && replicaPools.allSatisfy(\.isIdle)
    }

    // MARK: writes

    func ingestTick() {
        let times: [Int64]
        if let t = ahead.takeTick(at: kernel.nowNanos) {
            // A tick's batch is exactly its readings (`pending` is empty between ticks), so
            // a draw made ahead for it is this batch's.
            precondition(pending.readings.isEmpty, "a tick made ahead joined readings held back")
            pending.readings = t.readings
            pending.serviceDrawNanos = t.serviceDrawNanos
            times = t.times
        } else {
            times = writeArrivals.generate(through: kernel.nowNanos, into: &pending.readings)
        }
        nextIngestTickNanos = kernel.nowNanos + ingestTickNanos
        if pending.arrivalNanos.isEmpty { pending.arrivalNanos = times } else { pending.arrivalNanos += times }
        writes.arrived += times.count
        if !pending.readings.isEmpty {
            ingestPool.submit(pending)
            pending = IngestBatch(readings: [], arrivalNanos: [])  // the next tick's arrays are handed over
        }
        kernel.schedule(ingestTickKind, afterNanos: ingestTickNanos)
    }

    func completeIngest(_ b: IngestBatch) {
        if ahead.handedCompletions > 0 {
            // Handed to the worker at the last flush, with this completion time.
            ahead.handedCompletions -= 1
            return
        }
        let now = kernel.nowNanos
        if primaryDown, config.topology.primaryOutageWrites == .refuse || !config.topology.durableLog {
            writes.refused += b.readings.count
            interval.refused += b.readings.count
            return
        }
        let crashDistance = crashWindows.filter { now >= $0.0 && now <= $0.1 }
            .map { Swift.abs(now - ($0.0 + $0.1) / 2) }.min()
        let job = IngestJob(batch: b, nowNanos: now, crashDistanceNanos: crashDistance)
        guard let worker = ingestWorker, let concurrentStore else {
            if book(ingest(job)) { requestFlushIfStagingFull() }
            return
        }
        // The entity index must not grow while lookups run beside staging.
        if b.readings.count > entityHeadroom {
            syncIngest()
            concurrentStore.reserveStagingEntities(b.readings.count)
            entityIndexReservations += 1
            noteStagingChanged()
        }
        entityHeadroom -= b.readings.count
        readingsSinceSync += b.readings.count
        worker.submit(job)
        // The serial run checks the staged count after every ingest; it can only have
        // reached the batch limit if the bound has.
        if !primaryDown, stagedAtSync + readingsSinceSync >= config.topology.maxBatchRows,
           let last = syncIngest(), last { requestFlushIfStagingFull() }
    }

    /// Runs one ingest (on the ingest worker when there is one) and books what only the
    /// write path reads: acknowledgement latencies and watched writes.
    func ingest(_ job: IngestJob) -> IngestBooking {
        ingestClock.pinnedMicros = job.nowNanos / SimTime.nanosPerMicro
        defer { ingestClock.pinnedMicros = nil }
        let b = job.batch, now = job.nowNanos
        let ack: IngestAck
        do {
            ack = try ingestor.ingest(b.readings)
        } catch {
            return .failed(readings: b.readings.count)
        }
        guard let offsets = ack.offsets else { return .notAcknowledged }
        let rejected = ack.rejections.isEmpty ? [] : Set(ack.rejections.map(\.index))
        let sampleEvery = Int64(config.verify.sampleEvery)
        var arrivals: [Int64] = []
        arrivals.reserveCapacity(ack.acceptedCount)
        var offset = offsets.lowerBound
        for (i, arrival) in b.arrivalNanos.enumerated() where rejected.isEmpty || !rejected.contains(i) {
            arrivals.append(arrival)
            ingestToAckMs.record(SimTime.millis(nanos: now - arrival))
            if job.crashDistanceNanos != nil || offset % sampleEvery == 0 {
                watched.append(WatchedWrite(offset: offset, reading: b.readings[i], ackedNanos: now,
                                            crashDistanceNanos: job.crashDistanceNanos))
            }
            offset += 1
        }
        return .acknowledged(firstOffset: offsets.lowerBound, arrivalNanos: arrivals)
    }

    /// Books an ingest on the simulation thread, in order. Returns whether it was acknowledged.
    @discardableResult
    func book(_ booking: IngestBooking) -> Bool {
        switch booking {
        case .failed(let n):
            writes.failed += n
            return false
        case .notAcknowledged:
            return false
        case let .acknowledged(first, arrivals):
            precondition(first == firstUnseenOffset + Int64(arrivalByOffset.count),
                         "ingest offsets are not consecutive with earlier acknowledgements")
            for a in arrivals { arrivalByOffset.append(a) }
            interval.acked += arrivals.count
            return true
        }
    }

    func requestFlushIfStagingFull() {
        if !primaryDown, (try? store.stagedCount()) ?? 0 >= config.topology.maxBatchRows { requestFlush() }
    }

    /// Waits for the ingest worker and books what it did, in order. Call before anything
    /// that reads or changes the write path's state. Returns whether the last ingest
    /// booked was acknowledged (nil when none was outstanding).
    @discardableResult
    func syncIngest() -> Bool? {
        guard let worker = ingestWorker, worker.outstanding > 0 else { return nil }
        var last = false
        for o in worker.drain() { last = book(o) }
        noteStagingChanged()
        return last
    }

    /// Re-reads the bounds after the store changed on this thread (worker idle).
    func noteStagingChanged() {
        guard let concurrentStore else { return }
        readingsSinceSync = 0
        stagedAtSync = (try? rawStore.stagedCount()) ?? 0
        entityHeadroom = concurrentStore.stagingEntityHeadroom
    }

    // MARK: flushes

    func flushTimer() {
        nextFlushTimerNanos = kernel.nowNanos + config.topology.flushIntervalMs * SimTime.nanosPerMilli
        requestFlush()
        kernel.schedule(flushTimerKind, afterNanos: config.topology.flushIntervalMs * SimTime.nanosPerMilli)
    }

    func requestFlush() {
        if primaryDown || flusherStallDepth > 0 || !flushPool.isIdle { flushRequested = true } else { flushPool.submit(0) }
    }

    func startFlush() -> Int64 {
        syncIngest()
        if let n = try? rawStore.stagedCount(), n > writes.maxStagedRows { writes.maxStagedRows = n }
        let cost: Int64
        do {
            let r = try flusher.flushNow()
            runningFlush = r
            flushRowsRecorder.record(Double(r.rowsTaken))
            cost = flushCost.sampleNanos(rows: r.rowsTaken, flushCostStream)
        } catch {
            // Counted by the Flusher; nothing became visible. The next request retries.
            runningFlush = nil
            cost = flushCost.sampleNanos(rows: 0, flushCostStream)
        }
        noteStagingChanged()
        handIngestsAhead()
        return cost
    }

    func completeFlush() {
        if let r = runningFlush {
            let now = kernel.nowNanos
            while firstUnseenOffset <= r.flushedThroughOffset, let arrival = arrivalByOffset.popFirst() {
                if let lost = lostRanges.first, lost.contains(firstUnseenOffset) {
                    if firstUnseenOffset == lost.upperBound { lostRanges.removeFirst() }
                } else {
                    ingestToVisibleMs.record(SimTime.millis(nanos: now - arrival))
                    writes.visible += 1
                }
                firstUnseenOffset += 1
            }
            runningFlush = nil
        }
        if flushRequested {
            flushRequested = false
            requestFlush()
        }
    }
}

/// Where a running scenario is.
public struct ScenarioProgress: Sendable {
    public var simulatedSeconds: Double
    public var totalSeconds: Double
    public var events: Int
    public var draining: Bool
}

/// Routes reads to stores: the primary through its power switch; replicas answer from
/// the primary's contents (see `SimulatedReplica`) unless they are down.
final class SimReadExecutor: ReadExecutor {
    struct ReplicaUnavailable: Error {}
    let primary: any TelemetryStore
    let replicaStore: any TelemetryStore
    let replicas: [SimulatedReplica]

    init(primary: any TelemetryStore, replicaStore: any TelemetryStore, replicas: [SimulatedReplica]) {
        self.primary = primary
        self.replicaStore = replicaStore
        self.replicas = replicas
    }

    func store(for source: any ReadSource) throws -> any TelemetryStore {
        switch source.kind {
        case .primary: return primary
        case .replica:
            if let r = replicas.first(where: { $0.source === source }), r.isDown { throw ReplicaUnavailable() }
            return replicaStore
        case .cache, .olap: return replicaStore
        }
    }
}

extension LatencySummary {
    static var empty: LatencySummary { LatencyRecorder().summary() }
}
