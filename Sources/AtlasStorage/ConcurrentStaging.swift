/// A store whose staging may run on one thread while point lookups run on another.
///
/// The contract, between two of the caller's synchronisation points (at which nothing
/// runs concurrently): one thread may call `stage` and `entityOwners`, another
/// `hotAttributes`, as long as staging claims at most `stagingEntityHeadroom` new
/// entities. Staging changes nothing a lookup can see (it claims slots and records
/// rows; only `flush` registers and merges), so every lookup answers exactly as it would
/// with the two calls taken in either order. Every other call needs the store to itself.
///
/// The simulator uses it to run the ingest path on a second thread while reads are
/// served (`AtlasSim.IngestWorker`); the stores themselves start no threads.
public protocol ConcurrentStaging: AnyObject {
    /// New entities staging may claim before the store would have to grow a structure
    /// that lookups read. Ask only at a synchronisation point.
    var stagingEntityHeadroom: Int { get }
    /// Grows now, if need be, so that `n` more new entities fit without growing later.
    /// Call only at a synchronisation point.
    func reserveStagingEntities(_ n: Int)
}
