import AtlasCore

/// Binary encoding of log records for the file-backed ingest log.
/// Frame: u32 payload length, u32 CRC-32 of the payload, payload (little-endian).
enum LogRecordCodec {
    static let frameHeaderBytes = 8

    static func appendFrame(_ r: LogRecord, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        put(r.offset, &out); put(r.tenantID, &out); put(r.entityID, &out)
        put(r.attributeID, &out); put(r.ingestedAtMicros, &out)
        switch r.value {
        case .int(let v): out.append(0); put(v, &out)
        case .decimal(let v): out.append(1); put(Int64(bitPattern: v.bitPattern), &out)
        case .bool(let v): out.append(2); out.append(v ? 1 : 0)
        case .timestamp(let m): out.append(3); put(m, &out)
        case .text(let s): out.append(4); putString(s, &out)
        }
        putString(r.entityType, &out)
        let len = UInt32(out.count - start - frameHeaderBytes)
        let crc = out.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + frameHeaderBytes)...])) }
        write32(len, &out, at: start)
        write32(crc, &out, at: start + 4)
    }

    /// Decodes the frame at `pos`; nil when the bytes are torn or corrupt.
    static func decodeFrame(_ b: UnsafeRawBufferPointer, at pos: Int) -> (LogRecord, Int)? {
        guard pos + frameHeaderBytes <= b.count else { return nil }
        let len = Int(read32(b, pos)), crc = read32(b, pos + 4)
        let p0 = pos + frameHeaderBytes
        guard len >= 42, p0 + len <= b.count,
              CRC32.checksum(UnsafeRawBufferPointer(rebasing: b[p0..<(p0 + len)])) == crc else { return nil }
        var p = p0
        func i64() -> Int64 { defer { p += 8 }; return Int64(bitPattern: b.loadUnaligned(fromByteOffset: p, as: UInt64.self).littleEndian) }
        func str() -> String? {
            guard p + 4 <= p0 + len else { return nil }
            let n = Int(read32(b, p)); p += 4
            guard p + n <= p0 + len else { return nil }
            defer { p += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[p..<(p + n)]), as: UTF8.self)
        }
        let offset = i64(), tenant = i64(), entity = i64(), attr = i64(), at = i64()
        let tag = b[p]; p += 1
        // A frame with a matching CRC may still be too short for its 8-byte value.
        guard tag == 2 || tag == 4 || p + 8 <= p0 + len else { return nil }
        let value: Value
        switch tag {
        case 0: value = .int(i64())
        case 1: value = .decimal(Double(bitPattern: UInt64(bitPattern: i64())))
        case 2: value = .bool(b[p] != 0); p += 1
        case 3: value = .timestamp(micros: i64())
        case 4: guard let s = str() else { return nil }; value = .text(s)
        default: return nil
        }
        guard let type = str(), p == p0 + len else { return nil }
        return (LogRecord(offset: offset, tenantID: tenant, entityID: entity, entityType: type,
                          attributeID: attr, value: value, ingestedAtMicros: at), p0 + len)
    }

    private static func put(_ v: Int64, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
    private static func putString(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            withUnsafeBytes(of: UInt32(u.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: u)
        }
    }
    private static func write32(_ v: UInt32, _ out: inout [UInt8], at i: Int) {
        out[i] = UInt8(v & 0xFF); out[i + 1] = UInt8((v >> 8) & 0xFF)
        out[i + 2] = UInt8((v >> 16) & 0xFF); out[i + 3] = UInt8(v >> 24)
    }
    private static func read32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        b.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian
    }
}

/// CRC-32 (IEEE 802.3, zlib's polynomial), slicing-by-1 table.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes { c = t[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
