import AtlasStats

/// One fault on the scenario's timeline.
public struct FaultSpec: Sendable, Equatable {
    /// Start, seconds from the start of the run.
    public var atSeconds: Double
    public var kind: FaultKind
    public init(atSeconds: Double, kind: FaultKind) {
        self.atSeconds = atSeconds
        self.kind = kind
    }
}

public enum FaultKind: Sendable, Equatable {
    /// Extra replay lag on one replica ("*" = all).
    case replicaLagSpike(replica: String, sizeSeconds: Double, durationSeconds: Double, shape: SpikeShape)
    /// The replica stops replaying (still serves reads).
    case replicaPause(replica: String, durationSeconds: Double)
    /// The replica refuses connections and stops replaying; back up after the duration.
    case replicaDown(replica: String, durationSeconds: Double)
    /// The primary crashes: its UNLOGGED staging is lost; it is back after a detection
    /// delay plus a promotion time, each drawn from its distribution (seconds).
    case primaryCrash(detectionSeconds: Distribution, promotionSeconds: Distribution)
    /// Every cache entry dropped at once.
    case cacheFlush
    /// The cache is unreachable for the duration and comes back empty.
    case cacheOutage(durationSeconds: Double)
    /// The flusher runs no flush for the duration (staging backs up).
    case flusherStall(durationSeconds: Double)
    /// The write rate is multiplied for the duration.
    case writeBurst(durationSeconds: Double, multiplier: Double)

    /// The kind's name in scenario files.
    public var name: String {
        switch self {
        case .replicaLagSpike: return "replicaLagSpike"
        case .replicaPause: return "replicaPause"
        case .replicaDown: return "replicaDown"
        case .primaryCrash: return "primaryCrash"
        case .cacheFlush: return "cacheFlush"
        case .cacheOutage: return "cacheOutage"
        case .flusherStall: return "flusherStall"
        case .writeBurst: return "writeBurst"
        }
    }

    public static let names = ["replicaLagSpike", "replicaPause", "replicaDown", "primaryCrash", "cacheFlush",
                               "cacheOutage", "flusherStall", "writeBurst"]
}
