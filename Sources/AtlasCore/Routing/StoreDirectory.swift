/// A `ReadExecutor` that looks stores up by source name.
public final class StoreDirectory: ReadExecutor {
    private var stores: [String: any TelemetryStore]

    public init(_ stores: [String: any TelemetryStore] = [:]) {
        self.stores = stores
    }

    /// Registers (or replaces, e.g. after a failover) the store serving `sourceName`.
    public func register(_ store: any TelemetryStore, for sourceName: String) {
        stores[sourceName] = store
    }

    public func store(for source: any ReadSource) throws -> any TelemetryStore {
        guard let s = stores[source.name] else { throw ReadRoutingError.noStore(source: source.name) }
        return s
    }
}
