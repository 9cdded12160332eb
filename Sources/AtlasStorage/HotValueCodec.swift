import AtlasCore

/// Converts hot-projection JSON scalars back to typed values using the attribute's type.
enum HotValueCodec {
    struct DecodeError: Error, CustomStringConvertible {
        var attribute: String
        var scalar: FlatJSONObject.Scalar
        var description: String { "hot projection value for '\(attribute)' does not match its type: \(scalar)" }
    }

    static func value(_ s: FlatJSONObject.Scalar, as attribute: Attribute) throws -> Value {
        switch (attribute.dataType, s) {
        case (.int, .number(let t)):
            if let v = Int64(t) { return .int(v) }
        case (.decimal, .number(let t)):
            if let v = Double(t) { return .decimal(v) }
        case (.bool, .bool(let v)):
            return .bool(v)
        case (.text, .string(let v)):
            return .text(v)
        case (.timestamp, .string(let v)):
            if let m = ISO8601Micros.parse(v) { return .timestamp(micros: m) }
        default:
            break
        }
        throw DecodeError(attribute: attribute.name, scalar: s)
    }
}

/// Parses the ISO-8601 form `TimestampFormat.iso8601` writes (UTC, optional 6-digit fraction).
enum ISO8601Micros {
    static func parse(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count >= 20, b.last == 0x5A else { return nil }
        func num(_ r: Range<Int>) -> Int64? { Int64(String(decoding: b[r], as: UTF8.self)) }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10),
              let h = num(11..<13), let mi = num(14..<16), let se = num(17..<19) else { return nil }
        var frac: Int64 = 0
        if b.count == 27, b[19] == 0x2E, let f = num(20..<26) { frac = f } else if b.count != 20 { return nil }
        return TimestampFormat.micros(year: y, month: mo, day: d) + ((h * 60 + mi) * 60 + se) * 1_000_000 + frac
    }
}
