import AtlasCore

/// Encodes log records as COPY text-format rows for `atlas.entity_values_ingest`
/// (tab-separated, `\N` for NULL, backslash escapes), in bounded chunks.
public struct PostgresCopyEncoder {
    /// The COPY statement the encoded rows are for (column order matters).
    public static let stagingCopy = PostgresConnection.Statement("stage_copy", """
        COPY atlas.entity_values_ingest (log_offset, entity_id, tenant_id, entity_type, attribute_id,
            value, value_int, value_decimal, value_bool, value_timestamp, ingested_at, entity_known) FROM STDIN
        """)

    /// COPY straight into the time series (benchmark reference: no staging, no flush).
    public static let timeSeriesCopy = PostgresConnection.Statement("time_series_copy", """
        COPY atlas.entity_values_ts (log_offset, entity_id, tenant_id, attribute_id,
            value, value_int, value_decimal, value_bool, value_timestamp, ingested_at) FROM STDIN
        """)

    /// Chunk size handed to PQputCopyData.
    public var chunkBytes: Int
    public private(set) var buffer: [UInt8] = []

    public init(chunkBytes: Int = 256 * 1024) {
        self.chunkBytes = chunkBytes
        buffer.reserveCapacity(chunkBytes + 1024)
    }

    /// Appends one row; returns true when the buffer reached `chunkBytes` (send it).
    /// `entityKnown`: the stager knows the entity is registered (the flush then skips its
    /// registration probe); false is always safe.
    public mutating func append(_ r: LogRecord, entityKnown: Bool = false) -> Bool {
        append(r, withEntityType: true, known: entityKnown)
    }

    /// Appends one row in `timeSeriesCopy`'s column order.
    public mutating func appendTimeSeries(_ r: LogRecord) -> Bool {
        append(r, withEntityType: false, known: nil)
    }

    private mutating func append(_ r: LogRecord, withEntityType: Bool, known: Bool?) -> Bool {
        int(r.offset); tab()
        int(r.entityID); tab()
        int(r.tenantID); tab()
        if withEntityType { text(r.entityType); tab() }
        int(r.attributeID); tab()
        switch r.value {
        case .text(let s): text(s); tab(); null(); tab(); null(); tab(); null(); tab(); null()
        case .int(let v): null(); tab(); int(v); tab(); null(); tab(); null(); tab(); null()
        case .decimal(let v): null(); tab(); null(); tab(); raw(DecimalFormat.string(v)); tab(); null(); tab(); null()
        case .bool(let v): null(); tab(); null(); tab(); null(); tab(); raw(v ? "t" : "f"); tab(); null()
        case .timestamp(let m): null(); tab(); null(); tab(); null(); tab(); null(); tab(); raw(TimestampFormat.iso8601(micros: m))
        }
        tab()
        raw(TimestampFormat.iso8601(micros: r.ingestedAtMicros))
        if let known {
            tab()
            raw(known ? "t" : "f")
        }
        buffer.append(UInt8(ascii: "\n"))
        return buffer.count >= chunkBytes
    }

    /// Returns the buffered bytes and empties the buffer.
    public mutating func take() -> [UInt8] {
        let out = buffer
        buffer.removeAll(keepingCapacity: true)
        return out
    }

    private mutating func tab() { buffer.append(9) }
    private mutating func null() { buffer.append(92); buffer.append(UInt8(ascii: "N")) }
    private mutating func raw(_ s: String) { buffer.append(contentsOf: s.utf8) }

    private mutating func int(_ v: Int64) {
        if v == 0 { buffer.append(UInt8(ascii: "0")); return }
        var x = v.magnitude
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { p in
            while x > 0 {
                p[n] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                n += 1
            }
            if v < 0 { buffer.append(UInt8(ascii: "-")) }
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(p[i]) }
        }
    }

    /// COPY text escaping: backslash, and the delimiter/row characters.
    private mutating func text(_ s: String) {
        for b in s.utf8 {
            switch b {
            case 92: buffer.append(92); buffer.append(92)
            case 9: buffer.append(92); buffer.append(UInt8(ascii: "t"))
            case 10: buffer.append(92); buffer.append(UInt8(ascii: "n"))
            case 13: buffer.append(92); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(b)
            }
        }
    }
}
