/// A place the router can send a read to: the primary, a replica, or the OLAP store.
///
/// The router only decides WHICH source serves a read; a `ReadExecutor` (or a closure)
/// performs it. The same router therefore drives simulated replicas and real
/// PostgreSQL standbys: each world supplies sources that report what they have replayed.
public protocol ReadSource: AnyObject {
    /// Stable name, reported in `FreshnessMetadata.source` and `X-Data-Source` ("replica-02").
    var name: String { get }
    var kind: SourceKind { get }
    /// A lower bound on this source's replay position at `nowMicros`: every write the
    /// primary committed at or before the returned time is visible here. The router
    /// derives the lag it routes on as `nowMicros - replayedThrough` (an upper bound on
    /// the true lag), so it never claims data is fresher than it is. Return `nil` when
    /// nothing has been measured yet: the router treats the source as unusable.
    func replayedThroughMicros(nowMicros: Int64) -> Int64?
}
