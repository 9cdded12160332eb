import AtlasCore

/// The memory store's time series, one chunked column per field. A row is 33 bytes
/// (offset, entity slot, attribute index, time, 8-byte payload, type tag); text
/// payloads index `texts`. The tenant is not stored: it is the entity slot's.
struct TimeSeriesColumns {
    let offset = ChunkedColumn<Int64>()
    let slot = ChunkedColumn<UInt32>()
    let attribute = ChunkedColumn<Int32>()
    let atMicros = ChunkedColumn<Int64>()
    let payload = ChunkedColumn<UInt64>()
    let tag = ChunkedColumn<UInt8>()
    var texts: [String] = []

    var count: Int { offset.count }

    @inline(__always)
    mutating func append(offset o: Int64, slot s: UInt32, attribute a: Int32, atMicros t: Int64, value: Value) {
        offset.append(o); slot.append(s); attribute.append(a); atMicros.append(t)
        switch value {
        case .int(let v): payload.append(UInt64(bitPattern: v)); tag.append(0)
        case .decimal(let v): payload.append(v.bitPattern); tag.append(1)
        case .bool(let v): payload.append(v ? 1 : 0); tag.append(2)
        case .timestamp(let m): payload.append(UInt64(bitPattern: m)); tag.append(3)
        case .text(let v): payload.append(UInt64(texts.count)); tag.append(4); texts.append(v)
        }
    }

    func value(_ i: Int) -> Value {
        let p = payload[i]
        switch tag[i] {
        case 0: return .int(Int64(bitPattern: p))
        case 1: return .decimal(Double(bitPattern: p))
        case 2: return .bool(p != 0)
        case 3: return .timestamp(micros: Int64(bitPattern: p))
        default: return .text(texts[Int(p)])
        }
    }

    mutating func truncate(to n: Int, texts textCount: Int) {
        offset.truncate(to: n); slot.truncate(to: n); attribute.truncate(to: n)
        atMicros.truncate(to: n); payload.truncate(to: n); tag.truncate(to: n)
        texts.removeSubrange(textCount...)
    }
}
