import AtlasStats

/// An M/M/c (or M/G/c) queue on the kernel: Poisson arrivals, `servers` identical
/// servers, FIFO. Used to validate the kernel against Erlang C and
/// Pollaczek–Khinchine, and as the kernel benchmark beside SimPy.
public final class MMcModel {
    public struct Config: Sendable, Equatable, Codable {
        public var arrivalRatePerSecond: Double
        public var servers: Int
        /// Service time distribution in seconds (exponential for M/M/c, constant for M/D/c).
        public var serviceSeconds: Distribution
        /// Customers that arrive in the run.
        public var customers: Int
        /// The first customers (by arrival) are left out of the statistics (warm-up).
        public var warmupCustomers: Int
        public var seed: UInt64

        public init(arrivalRatePerSecond: Double, servers: Int, serviceSeconds: Distribution,
                    customers: Int, warmupCustomers: Int = 0, seed: UInt64 = 1) {
            self.arrivalRatePerSecond = arrivalRatePerSecond
            self.servers = servers
            self.serviceSeconds = serviceSeconds
            self.customers = customers
            self.warmupCustomers = warmupCustomers
            self.seed = seed
        }

        /// M/M/c with service rate μ per server.
        public static func mmc(lambda: Double, mu: Double, c: Int, customers: Int,
                               warmupCustomers: Int = 0, seed: UInt64 = 1) -> Config {
            Config(arrivalRatePerSecond: lambda, servers: c, serviceSeconds: .exponential(mean: 1 / mu),
                   customers: customers, warmupCustomers: warmupCustomers, seed: seed)
        }
    }

    /// Statistics over the measured (post-warm-up) customers.
    public struct Result: Sendable, Equatable, Codable {
        public var measuredCustomers: Int
        /// Fraction of measured customers who found every server busy.
        public var probabilityOfWait: Double
        public var meanWaitSeconds: Double
        public var meanSojournSeconds: Double
        /// Busy server-time / (servers × elapsed), over the whole run.
        public var utilization: Double
        /// Arrival and departure events run.
        public var events: Int
        public var simulatedSeconds: Double
    }

    public let config: Config
    private let kernel: SimKernel
    private let arrivals: RandomStream
    private let service: RandomStream
    private let serviceSampler: DistributionSampler
    private let meanInterarrivalSeconds: Double
    private var arrivalKind = EventKind(index: 0)
    private var departureKind = EventKind(index: 0)

    @exclusivity(unchecked) private var busy = 0
    @exclusivity(unchecked) private var arrived = 0
    @exclusivity(unchecked) private var started = 0
    @exclusivity(unchecked) private var waiting = RingBuffer<Int64>(initialCapacity: 1024)
    @exclusivity(unchecked) private var measured = 0
    @exclusivity(unchecked) private var waitedCount = 0
    private var waitSumNanos: Int64 = 0
    private var sojournSumNanos: Int64 = 0
    private var busyNanos: Int64 = 0

    public init(_ config: Config) throws(DistributionError) {
        precondition(config.servers >= 1 && config.customers >= 0 && config.arrivalRatePerSecond > 0)
        self.config = config
        kernel = SimKernel()
        let streams = RandomStreams(runSeed: config.seed)
        arrivals = streams.stream("mmc.arrivals")
        service = streams.stream("mmc.service")
        serviceSampler = try config.serviceSeconds.sampler()
        meanInterarrivalSeconds = 1 / config.arrivalRatePerSecond
        // unowned(unsafe): the kernel is private to this model, so it never outlives it,
        // and a checked unowned reference costs an atomic retain per event.
        arrivalKind = kernel.register("arrival") { [unowned(unsafe) self] _ in self.arrive() }
        departureKind = kernel.register("departure") { [unowned(unsafe) self] _ in self.depart() }
    }

    /// Runs every customer through and returns the statistics.
    public func run() -> Result {
        if config.customers > 0 { scheduleNextArrival() }
        kernel.runToCompletion()
        let n = Swift.max(measured, 1)
        let elapsed = kernel.nowNanos
        return Result(
            measuredCustomers: measured,
            probabilityOfWait: Double(waitedCount) / Double(n),
            meanWaitSeconds: SimTime.seconds(nanos: waitSumNanos) / Double(n),
            meanSojournSeconds: SimTime.seconds(nanos: sojournSumNanos) / Double(n),
            utilization: elapsed > 0 ? Double(busyNanos) / (Double(config.servers) * Double(elapsed)) : 0,
            events: kernel.eventsProcessed,
            simulatedSeconds: SimTime.seconds(nanos: elapsed))
    }

    @inline(__always)
    private func scheduleNextArrival() {
        let gap = SimTime.nanos(seconds: arrivals.exponential(mean: meanInterarrivalSeconds))
        kernel.schedule(arrivalKind, afterNanos: gap)
    }

    private func arrive() {
        arrived += 1
        if arrived < config.customers { scheduleNextArrival() }
        if busy < config.servers {
            startService(arrivalNanos: kernel.nowNanos, queued: false)
        } else {
            waiting.append(kernel.nowNanos)
        }
    }

    private func depart() {
        busy -= 1
        if let a = waiting.popFirst() { startService(arrivalNanos: a, queued: true) }
    }

    @inline(__always)
    private func startService(arrivalNanos: Int64, queued: Bool) {
        busy += 1
        let s = Swift.max(0, SimTime.nanos(seconds: serviceSampler.sample(service)))
        busyNanos += s
        // FIFO: customers start service in arrival order, so `started` is the arrival index.
        if started >= config.warmupCustomers {
            let w = kernel.nowNanos - arrivalNanos
            measured += 1
            if queued { waitedCount += 1 }
            waitSumNanos += w
            sojournSumNanos += w + s
        }
        started += 1
        kernel.schedule(departureKind, afterNanos: s)
    }
}
