/// The data type of an attribute; each maps to exactly one typed column of the
/// spec's `entity_values_ts` (`value_int`, `value_decimal`, `value_bool`,
/// `value_timestamp`, and `value` for text).
public enum DataType: String, Sendable, Hashable, CaseIterable, Codable {
    case int
    case decimal
    case bool
    case timestamp
    case text
}
