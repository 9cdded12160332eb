/// Edits the flat JSON objects of `entity_jsonb` (`hot_attrs`, `attr_ts`: one level,
/// scalar values, no insignificant whitespace, as SQLite's JSON functions and this type
/// write them) in place, so a flush merges a few cells without parsing or re-rendering
/// the whole object.
///
/// A key is found as `{"name":` or `,"name":`. Inside a JSON string every `"` is escaped
/// (preceded by a backslash), so `{"` and `,"` only occur where an object key starts: a
/// match cannot fall inside a string value or another key.
enum FlatJSONSplice {
    /// `"name":` for a JSON-quoted attribute name: what `valueRange` looks for.
    static func pattern(quotedName: String) -> [UInt8] { Array(quotedName.utf8) + [0x3A] }

    /// The byte range of the value held under `pattern`, nil when the key is absent.
    static func valueRange(_ json: [UInt8], _ pattern: [UInt8]) -> Range<Int>? {
        let n = json.count, m = pattern.count
        guard n > m + 1 else { return nil }
        var i = 1
        while i + m < n {
            if json[i] == 0x22, json[i - 1] == 0x7B || json[i - 1] == 0x2C {
                var j = 1 // json[i] == pattern[0] == '"'
                while j < m, json[i + j] == pattern[j] { j += 1 }
                if j == m {
                    let start = i + m
                    var p = start
                    if json[p] == 0x22 { // a string: to the closing unescaped quote
                        p += 1
                        while p < n, json[p] != 0x22 { p += json[p] == 0x5C ? 2 : 1 }
                        return start..<min(n, p + 1)
                    }
                    while p < n, json[p] != 0x2C, json[p] != 0x7D, json[p] != 0x20 { p += 1 }
                    return start..<p
                }
            }
            i += 1
        }
        return nil
    }

    /// Sets `pattern`'s value to `literal` (a JSON scalar): replaced where present,
    /// appended otherwise.
    static func set(_ json: inout [UInt8], _ pattern: [UInt8], _ literal: [UInt8]) {
        if let r = valueRange(json, pattern) {
            json.replaceSubrange(r, with: literal)
            return
        }
        guard let close = json.lastIndex(of: 0x7D) else {
            json = [0x7B] + pattern + literal + [0x7D]
            return
        }
        var ins: [UInt8] = []
        ins.reserveCapacity(pattern.count + literal.count + 1)
        if json[..<close].contains(where: { $0 != 0x7B && $0 != 0x20 }) { ins.append(0x2C) }
        ins += pattern
        ins += literal
        json.insert(contentsOf: ins, at: close)
    }

    /// The JSON string `"<ingested_at>:<offset>"`, each number as `printf('%020d')`
    /// renders it: cell keys of `attr_ts` that sort as text in (time, offset) order.
    static func cellKey(_ at: Int64, _ offset: Int64) -> [UInt8] {
        var out = [UInt8](repeating: 0x30, count: 43)
        out[0] = 0x22; out[21] = 0x3A; out[42] = 0x22
        func put(_ v: Int64, at end: Int) {
            var m = v.magnitude
            var p = end
            while m > 0 { out[p] = 0x30 + UInt8(m % 10); m /= 10; p -= 1 }
            if v < 0 { out[end - 19] = 0x2D }
        }
        put(at, at: 20)
        put(offset, at: 41)
        return out
    }

    /// True when the string value at `range` (quotes included) sorts at or after `key`
    /// (quotes included), byte by byte as SQLite compares text.
    static func isAtLeast(_ json: [UInt8], _ range: Range<Int>, _ key: [UInt8]) -> Bool {
        var i = range.lowerBound, j = 0
        while i < range.upperBound, j < key.count {
            if json[i] != key[j] { return json[i] > key[j] }
            i += 1; j += 1
        }
        return j == key.count
    }
}
