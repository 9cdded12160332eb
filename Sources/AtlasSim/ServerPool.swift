import AtlasStats

/// `servers` identical servers with one FIFO queue, on the kernel. The owner supplies
/// what happens when a job starts (returning its service time, so it can depend on the
/// state at that moment) and when it completes.
public final class ServerPool<Job> {
    public let name: String
    public let servers: Int
    private unowned let kernel: SimKernel
    private var completionKind = EventKind(index: 0)
    @exclusivity(unchecked) private var queue = RingBuffer<(job: Job, enqueuedNanos: Int64)>(initialCapacity: 64)
    @exclusivity(unchecked) private var inService: [Job?]
    @exclusivity(unchecked) private var freeServers: [Int]
    private let onStart: (Job, _ waitedNanos: Int64) -> Int64
    private let onComplete: (Job) -> Void

    /// Servers busy.
    public private(set) var busyCount = 0
    public private(set) var maxQueueLength = 0
    public private(set) var completedCount = 0
    /// Total busy server-time, nanoseconds.
    public private(set) var busyNanos: Int64 = 0
    /// Time jobs waited before service, milliseconds.
    public private(set) var queueWaitMs: LatencyRecorder

    /// - Parameters:
    ///   - onStart: called when a job enters service; returns its service time (ns).
    ///   - onComplete: called when the job's service ends (the clock is at that time).
    public init(name: String, servers: Int, kernel: SimKernel, exactSampleBudget: Int = 1_000_000,
                onStart: @escaping (Job, _ waitedNanos: Int64) -> Int64, onComplete: @escaping (Job) -> Void) {
        precondition(servers >= 1, "a server pool needs at least one server")
        self.name = name
        self.servers = servers
        self.kernel = kernel
        self.onStart = onStart
        self.onComplete = onComplete
        inService = Array(repeating: nil, count: servers)
        freeServers = Array((0..<servers).reversed())
        queueWaitMs = LatencyRecorder(exactSampleBudget: exactSampleBudget, minTrackable: 1e-6)
        completionKind = kernel.register("\(name).complete") { [unowned self] server in self.complete(Int(server)) }
    }

    /// True when nothing is queued or in service.
    public var isIdle: Bool { busyCount == 0 && queue.isEmpty }

    /// Submits a job: it starts now if a server is free, else waits in FIFO order.
    public func submit(_ job: Job) {
        if queue.isEmpty, let s = freeServers.popLast() {
            start(job, server: s, enqueuedNanos: kernel.nowNanos)
        } else {
            queue.append((job, kernel.nowNanos))
            if queue.count > maxQueueLength { maxQueueLength = queue.count }
        }
    }

    private func start(_ job: Job, server: Int, enqueuedNanos: Int64) {
        busyCount += 1
        inService[server] = job
        let waited = kernel.nowNanos - enqueuedNanos
        queueWaitMs.record(SimTime.millis(nanos: waited))
        let service = Swift.max(0, onStart(job, waited))
        busyNanos += service
        kernel.schedule(completionKind, afterNanos: service, payload: Int64(server))
    }

    private func complete(_ server: Int) {
        let job = inService[server]!
        inService[server] = nil
        busyCount -= 1
        completedCount += 1
        freeServers.append(server)
        // onComplete may submit; submit queues behind waiting jobs, so FIFO holds.
        onComplete(job)
        while !queue.isEmpty, let s = freeServers.popLast() {
            let next = queue.popFirst()!
            start(next.job, server: s, enqueuedNanos: next.enqueuedNanos)
        }
    }
}
