/// Performs routed reads: maps the source the router chose to the store that answers
/// for it (a simulated replica's store, a PostgreSQL standby connection, ...).
public protocol ReadExecutor: AnyObject {
    /// The store that answers reads sent to `source`.
    func store(for source: any ReadSource) throws -> any TelemetryStore
}
