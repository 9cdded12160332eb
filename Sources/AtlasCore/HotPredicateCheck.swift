/// Validates Query 1 predicates against the catalog, identically for every store:
/// the attribute must be hot, compared values must have its type, and `atLeast`
/// needs a numeric attribute.
public enum HotPredicateCheck {
    public static func attribute(for p: HotPredicate, in catalog: Catalog) throws(QueryError) -> Attribute {
        guard let a = catalog.attributesByName[p.attributeName], a.isHot else {
            throw .unknownAttribute(query: "find entities", attribute: p.attributeName)
        }
        switch p {
        case .equals(_, let v):
            guard v.dataType == a.dataType else { throw .predicateTypeMismatch(attribute: a.name, expected: a.dataType) }
        case .oneOf(_, let vs):
            guard !vs.isEmpty else { throw .emptyValueList(attribute: a.name) }
            guard vs.allSatisfy({ $0.dataType == a.dataType }) else {
                throw .predicateTypeMismatch(attribute: a.name, expected: a.dataType)
            }
        case .atLeast:
            guard a.dataType == .int || a.dataType == .decimal else {
                throw .predicateTypeMismatch(attribute: a.name, expected: a.dataType)
            }
        }
        return a
    }
}
