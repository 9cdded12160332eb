/// The random streams of one run: each is derived from the run seed and its name, so
/// adding a component (a new name) never changes any other component's numbers.
public final class RandomStreams {
    public let runSeed: UInt64
    private var streams: [String: RandomStream] = [:]

    public init(runSeed: UInt64) { self.runSeed = runSeed }

    /// The stream named `name` (created on first use; the same object afterwards).
    public func stream(_ name: String) -> RandomStream {
        if let s = streams[name] { return s }
        let s = RandomStream(seed: StableHash.streamSeed(runSeed: runSeed, name: name), name: name)
        streams[name] = s
        return s
    }

    /// A fresh stream named `name`, restarted from its seed (replications, tests).
    public func freshStream(_ name: String) -> RandomStream {
        RandomStream(seed: StableHash.streamSeed(runSeed: runSeed, name: name), name: name)
    }

    /// Names of the streams made so far, sorted.
    public var names: [String] { streams.keys.sorted() }
}
