/// How entity ids are drawn from the id space (YCSB's request distributions).
public enum KeyDistribution: Sendable, Equatable, Codable {
    /// Every id equally likely.
    case uniform
    /// Zipfian by rank: id 1 is the most popular, then 2, ... (YCSB "zipfian" without scrambling).
    case zipfian(theta: Double)
    /// Zipfian popularity scattered over the id space by FNV hashing (YCSB's default).
    case scrambledZipfian(theta: Double)
    /// Skewed to the most recently inserted ids; a fraction of draws insert a new id.
    /// The id space starts `initialFraction` full.
    case latest(theta: Double, insertFraction: Double, initialFraction: Double)
}
