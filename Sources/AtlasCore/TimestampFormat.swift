/// Conversion of microseconds since the Unix epoch to ISO-8601 text without Foundation
/// (civil-from-days, Howard Hinnant's algorithm), so AtlasCore stays dependency-free.
public enum TimestampFormat {
    public static func iso8601(micros: Int64) -> String {
        let microsPerDay: Int64 = 86_400_000_000
        var days = micros / microsPerDay
        var rem = micros % microsPerDay
        if rem < 0 { rem += microsPerDay; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        let secs = rem / 1_000_000
        let frac = rem % 1_000_000
        let hh = secs / 3600, mm = (secs % 3600) / 60, ss = secs % 60
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(hh, 2) + ":" + pad(mm, 2) + ":" + pad(ss, 2)
        if frac != 0 { out += "." + pad(frac, 6) }
        return out + "Z"
    }

    /// Days since 1970-01-01 for a civil date.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Microseconds since the epoch at midnight UTC of a civil date.
    public static func micros(year: Int64, month: Int64, day: Int64) -> Int64 {
        days(year: year, month: month, day: day) * 86_400_000_000
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
