@testable import AtlasStorage
import Testing

/// The hot-projection JSON parser: strings without escapes take the no-copy path, strings
/// with escapes the decoding one; both must read what PostgreSQL and SQLite write.
struct FlatJSONObjectTests {
    @Test func parsesPlainAndEscapedStrings() throws {
        let o = try FlatJSONObject.parse(#"{"status": "online", "n": 8, "q": "a\"b\\c\nd\u00e9", "k\"ey": "", "t": true, "z": null}"#)
        #expect(o["status"] == .string("online"))
        #expect(o["n"] == .number("8"))
        #expect(o["q"] == .string("a\"b\\c\nd\u{e9}"))
        #expect(o["k\"ey"] == .string(""))
        #expect(o["t"] == .bool(true) && o["z"] == .null)
        #expect(o.count == 6)
        #expect(try FlatJSONObject.parse("{}").isEmpty)
        // More keys than the initial capacity.
        let many = try FlatJSONObject.parse("{" + (0..<20).map { "\"k\($0)\": \"v\($0)\"" }.joined(separator: ", ") + "}")
        #expect(many.count == 20 && many["k19"] == .string("v19"))
    }

    @Test func rejectsAnUnterminatedString() {
        #expect(throws: FlatJSONObject.ParseError.self) { try FlatJSONObject.parse(#"{"a": "unterminated}"#) }
        #expect(throws: FlatJSONObject.ParseError.self) { try FlatJSONObject.parse(#"{"a": "esc\"}"#) }
    }
}
