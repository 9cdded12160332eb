/// What the router did, by read. Plain counts; the driver turns them into metrics.
public struct RouterCounters: Sendable, Equatable {
    public var reads = 0
    public var strongReads = 0
    public var eventualReads = 0
    public var analyticsReads = 0

    /// Reads answered, by kind of source.
    public var primaryReads = 0
    public var replicaReads = 0
    public var cacheHits = 0
    public var olapReads = 0
    /// Reads answered, by source name (cache hits under the cache's name).
    public var readsBySource: [String: Int] {
        get { Dictionary(uniqueKeysWithValues: zip(sourceNames, sourceReads)) }
        set {
            let byName = newValue.sorted { $0.key < $1.key }
            sourceNames = byName.map(\.key)
            sourceReads = byName.map(\.value)
        }
    }
    /// `readsBySource` as two arrays in name order (so equal counts compare equal): the
    /// router counts every read, and comparing a handful of short names costs less than
    /// hashing one.
    private var sourceNames: [String] = []
    private var sourceReads: [Int] = []

    /// Counts one read answered by the source named `name`.
    public mutating func countRead(bySource name: String) {
        if let i = sourceNames.firstIndex(of: name) {
            sourceReads[i] += 1
            return
        }
        let i = sourceNames.firstIndex { $0 > name } ?? sourceNames.count
        sourceNames.insert(name, at: i)
        sourceReads.insert(1, at: i)
    }

    /// Reads served by a replica at or above the target lag (the spec's `replica_lag_warning`).
    public var replicaLagWarnings = 0
    /// Replicas passed over because they were at or above the max lag or unmeasured
    /// (one count per replica per read).
    public var replicaSkipsForLag = 0
    /// Eventual reads that found every replica at or above the max lag (breaker failures).
    public var allReplicasSkipped = 0
    /// Eventual reads sent to the primary because the breaker was open.
    public var breakerOpenReads = 0
    /// Reads sent to the primary because no other source had replayed the client's write.
    public var readYourWritesFallbacks = 0
    /// Eventual reads sent to the primary because no healthy replica met `maxLagSeconds`.
    public var maxLagFallbacks = 0
    /// Reads refused with `ReadRoutingError.maxLagExceeded`.
    public var maxLagRejections = 0
    /// Analytics reads served beyond the OLAP budget (with a warning).
    public var olapStaleReads = 0
    /// Replica reads that threw and were retried on the primary.
    public var replicaErrors = 0

    public init() {}
}
