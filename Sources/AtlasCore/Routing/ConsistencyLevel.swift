/// How fresh a read must be (spec Part B §3, the freshness budget matrix).
public enum ConsistencyLevel: String, Sendable, Hashable, CaseIterable {
    /// Always the primary: sees every committed write.
    case strong
    /// Cache, then a replica within the lag budget, else the primary.
    case eventual
    /// The OLAP store (Redshift in the spec); minutes behind by design.
    case analytics
}
