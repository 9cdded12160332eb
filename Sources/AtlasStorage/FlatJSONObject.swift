/// Parses a flat JSON object of scalars (what hot projections hold) keeping number
/// text exact, so a decimal reads back bit-identical to what was written.
public enum FlatJSONObject {
    public enum Scalar: Equatable, Sendable {
        case number(String)
        case string(String)
        case bool(Bool)
        case null
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var text: String
        public var position: Int
        public var description: String { "malformed hot projection JSON at byte \(position): \(text.prefix(80))" }
    }

    public static func parse(_ text: String) throws -> [String: Scalar] {
        let b = Array(text.utf8)
        var i = 0
        func fail() -> ParseError { ParseError(text: text, position: i) }
        func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
        func string() throws -> String {
            guard i < b.count, b[i] == 0x22 else { throw fail() }
            i += 1
            // Without escapes (nearly always) the bytes are the string: no copy into `out`.
            let start = i
            while i < b.count, b[i] != 0x22, b[i] != 0x5C { i += 1 }
            if i < b.count, b[i] == 0x22 {
                i += 1
                return String(decoding: b[start..<(i - 1)], as: UTF8.self)
            }
            var out = Array(b[start..<i])
            while i < b.count, b[i] != 0x22 {
                if b[i] == 0x5C {
                    i += 1
                    guard i < b.count else { throw fail() }
                    switch b[i] {
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x75:
                        guard i + 4 < b.count, let v = UInt32(String(decoding: b[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else { throw fail() }
                        i += 4
                        var cp = v
                        // Surrogate pair.
                        if (0xD800..<0xDC00).contains(v), i + 6 < b.count, b[i + 1] == 0x5C, b[i + 2] == 0x75,
                           let lo = UInt32(String(decoding: b[(i + 3)...(i + 6)], as: UTF8.self), radix: 16) {
                            cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                            i += 6
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(cp) ?? "\u{FFFD}")).utf8))
                    default: out.append(b[i])
                    }
                    i += 1
                } else {
                    out.append(b[i])
                    i += 1
                }
            }
            guard i < b.count else { throw fail() }
            i += 1
            return String(decoding: out, as: UTF8.self)
        }
        // Hot projections hold a handful of keys: no regrowth while filling.
        var result = [String: Scalar](minimumCapacity: 8)
        ws()
        guard i < b.count, b[i] == 0x7B else { throw fail() }
        i += 1
        ws()
        if i < b.count, b[i] == 0x7D { return result }
        while true {
            ws()
            let key = try string()
            ws()
            guard i < b.count, b[i] == 0x3A else { throw fail() }
            i += 1
            ws()
            guard i < b.count else { throw fail() }
            switch b[i] {
            case 0x22: result[key] = .string(try string())
            case 0x74: i += 4; result[key] = .bool(true)
            case 0x66: i += 5; result[key] = .bool(false)
            case 0x6E: i += 4; result[key] = .null
            default:
                let s = i
                while i < b.count, b[i] != 0x2C, b[i] != 0x7D, b[i] != 0x20 { i += 1 }
                guard i > s else { throw fail() }
                result[key] = .number(String(decoding: b[s..<i], as: UTF8.self))
            }
            ws()
            guard i < b.count else { throw fail() }
            if b[i] == 0x2C { i += 1; continue }
            if b[i] == 0x7D { break }
            throw fail()
        }
        return result
    }
}
