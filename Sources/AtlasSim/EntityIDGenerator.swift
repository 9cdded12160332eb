import AtlasStats

/// Draws entity ids in 1...idSpace without materialising the space.
public struct EntityIDGenerator {
    public let idSpace: Int64
    public let distribution: KeyDistribution
    enum Impl {
        case uniform
        case zipfian(ZipfianGenerator)
        case scrambled(ScrambledZipfianGenerator)
        case latest(LatestGenerator, insertFraction: Double)
    }
    var impl: Impl

    public init(idSpace: Int64 = 200_000_000, distribution: KeyDistribution = .scrambledZipfian(theta: 0.99)) {
        precondition(idSpace >= 1, "id space must hold at least one id")
        self.idSpace = idSpace
        self.distribution = distribution
        switch distribution {
        case .uniform: impl = .uniform
        case .zipfian(let t): impl = .zipfian(ZipfianGenerator(items: UInt64(idSpace), theta: t))
        case .scrambledZipfian(let t): impl = .scrambled(ScrambledZipfianGenerator(itemCount: UInt64(idSpace), theta: t))
        case .latest(let t, let f, let initial):
            let n = Swift.max(1, Swift.min(UInt64(idSpace), UInt64(Double(idSpace) * initial)))
            impl = .latest(LatestGenerator(initialItems: n, theta: t), insertFraction: f)
        }
    }

    /// One entity id in 1...idSpace.
    public mutating func next(_ stream: RandomStream) -> Int64 {
        switch impl {
        case .uniform:
            return Int64(stream.uniformInt(below: UInt64(idSpace))) + 1
        case .zipfian(let z):
            return Int64(z.next(stream)) + 1
        case .scrambled(let z):
            return Int64(z.next(stream)) + 1
        case .latest(var g, let f):
            // Inserts stop once the id space is full.
            if g.latest + 1 < UInt64(idSpace), stream.uniform() < f {
                let id = g.insert()
                impl = .latest(g, insertFraction: f)
                return Int64(id) + 1
            }
            return Int64(g.next(stream)) + 1
        }
    }
}
