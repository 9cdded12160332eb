/// What one read asks of the router.
public struct ReadOptions: Sendable, Hashable {
    public var consistency: ConsistencyLevel
    /// Refuse data older than this: the read fails with `ReadRoutingError.maxLagExceeded`
    /// rather than return older data (the spec SDK's `maxLagSeconds`). `nil` = the
    /// level's own budget only.
    public var maxLagSeconds: Double?
    /// Read-your-writes: the primary commit time of this client's last write. Only a
    /// source that has replayed through it may serve the read, else the primary.
    /// (Before its flush commits, a write is visible nowhere, not even on the primary.)
    public var writtenAtMicros: Int64?

    public init(consistency: ConsistencyLevel = .eventual, maxLagSeconds: Double? = nil,
                writtenAtMicros: Int64? = nil) {
        self.consistency = consistency
        self.maxLagSeconds = maxLagSeconds
        self.writtenAtMicros = writtenAtMicros
    }

    public static let strong = ReadOptions(consistency: .strong)
    public static let eventual = ReadOptions(consistency: .eventual)
    public static let analytics = ReadOptions(consistency: .analytics)

    /// `maxLagSeconds` in microseconds, rounded down (stricter), or nil.
    /// - Throws: `.invalidMaxLag` when negative, NaN or infinite.
    public func maxLagMicros() throws(ReadRoutingError) -> Int64? {
        guard let s = maxLagSeconds else { return nil }
        guard s.isFinite, s >= 0, s < 1e12 else { throw .invalidMaxLag(seconds: s) }
        return Int64((s * 1_000_000).rounded(.down))
    }
}
