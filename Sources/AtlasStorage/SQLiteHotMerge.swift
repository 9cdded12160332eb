import CSQLite3

/// The newest-wins merge of `entity_jsonb` as SQL functions on the writer's connection, so
/// a flush writes each entity with one upsert (`projection_upsert`) instead of a read and
/// a write: the row is found once, and its old `hot_attrs`/`attr_ts` are merged where they
/// lie. A flush's cells for one entity travel as one blob (`cells`):
/// per cell `u16 length, "name":` `u16 length, key` `u16 length, value literal`.
///
/// `atlas_hot_newer(attr_ts, cells)`: whether any cell is newer than the key held;
/// `atlas_hot_attrs(hot_attrs, attr_ts, cells)` and `atlas_hot_keys(attr_ts, cells)`: the
/// objects with the newer cells spliced in. The counters tell the store what the last
/// statement did (an insert calls none of them).
final class SQLiteHotMerge {
    /// Calls of `atlas_hot_newer` (one per conflicting row) and cells written by `atlas_hot_keys`.
    var conflicts = 0
    var written = 0

    /// Registers the functions on `db` (they live as long as the connection).
    init(db: SQLiteConnection) throws {
        let me = Unmanaged.passUnretained(self).toOpaque()
        // DIRECTONLY: not callable from schema objects (views, triggers) of the file.
        let flags = SQLITE_UTF8 | SQLITE_DIRECTONLY
        let newer: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
            let m = Unmanaged<SQLiteHotMerge>.fromOpaque(sqlite3_user_data(ctx)!).takeUnretainedValue()
            m.conflicts += 1
            let keys = SQLiteHotMerge.bytes(argv![0])
            var any = false
            SQLiteHotMerge.forEachCell(argv![1]) { pattern, key, _ in
                if !any, SQLiteHotMerge.isNewer(keys, pattern, key) { any = true }
            }
            sqlite3_result_int(ctx, any ? 1 : 0)
        }
        let attrs: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
            var json = SQLiteHotMerge.bytes(argv![0])
            let keys = SQLiteHotMerge.bytes(argv![1])
            SQLiteHotMerge.forEachCell(argv![2]) { pattern, key, value in
                if SQLiteHotMerge.isNewer(keys, pattern, key) { FlatJSONSplice.set(&json, pattern, value) }
            }
            SQLiteHotMerge.result(ctx, json)
        }
        let keysFn: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
            let m = Unmanaged<SQLiteHotMerge>.fromOpaque(sqlite3_user_data(ctx)!).takeUnretainedValue()
            let old = SQLiteHotMerge.bytes(argv![0])
            var json = old
            SQLiteHotMerge.forEachCell(argv![1]) { pattern, key, _ in
                if SQLiteHotMerge.isNewer(old, pattern, key) {
                    FlatJSONSplice.set(&json, pattern, key)
                    m.written += 1
                }
            }
            SQLiteHotMerge.result(ctx, json)
        }
        for (name, argc, fn) in [("atlas_hot_newer", Int32(2), newer), ("atlas_hot_attrs", 3, attrs), ("atlas_hot_keys", 2, keysFn)] {
            let rc = sqlite3_create_function_v2(db.handle, name, argc, flags, me, fn, nil, nil, nil)
            guard rc == SQLITE_OK else { throw db.error(rc, "create function \(name)") }
        }
    }

    /// Appends one cell to an entity's `cells` blob.
    static func appendCell(_ cells: inout [UInt8], pattern: [UInt8], key: [UInt8], value: [UInt8]) {
        for part in [pattern, key, value] {
            let n = UInt16(part.count)
            cells.append(UInt8(n & 0xFF)); cells.append(UInt8(n >> 8))
            cells += part
        }
    }

    /// True when `keys` holds no key under `pattern` or one that sorts before `key`.
    static func isNewer(_ keys: [UInt8], _ pattern: [UInt8], _ key: [UInt8]) -> Bool {
        guard let r = FlatJSONSplice.valueRange(keys, pattern) else { return true }
        return !FlatJSONSplice.isAtLeast(keys, r, key)
    }

    private static func bytes(_ v: OpaquePointer?) -> [UInt8] {
        guard let p = sqlite3_value_text(v) else { return [0x7B, 0x7D] }
        return Array(UnsafeBufferPointer(start: p, count: Int(sqlite3_value_bytes(v))))
    }

    private static func forEachCell(_ v: OpaquePointer?, _ body: ([UInt8], [UInt8], [UInt8]) -> Void) {
        guard let raw = sqlite3_value_blob(v) else { return }
        let b = UnsafeRawBufferPointer(start: raw, count: Int(sqlite3_value_bytes(v)))
        var i = 0
        func part() -> [UInt8]? {
            guard i + 2 <= b.count else { return nil }
            let n = Int(b[i]) | Int(b[i + 1]) << 8
            guard i + 2 + n <= b.count else { return nil }
            defer { i += 2 + n }
            return Array(b[(i + 2)..<(i + 2 + n)])
        }
        while i < b.count {
            guard let p = part(), let k = part(), let val = part() else { return }
            body(p, k, val)
        }
    }

    private static func result(_ ctx: OpaquePointer?, _ json: [UInt8]) {
        json.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { sqlite3_result_text(ctx, $0.baseAddress, Int32(b.count), SQLITE_TRANSIENT) }
        }
    }
}
