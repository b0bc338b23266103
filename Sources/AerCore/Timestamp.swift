/// An instant, in milliseconds since 1970-01-01T00:00:00Z.
///
/// Millisecond integers keep window arithmetic exact and cheap on the engine's hot path; ISO 8601 is the
/// wire and display form.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch (UTC).
    public var millis: Int64

    /// The instant `millis` milliseconds after the epoch.
    public init(millis: Int64) { self.millis = millis }

    /// The instant `seconds` after the epoch, rounded down to the millisecond.
    public init(secondsSinceEpoch seconds: Double) { self.millis = Int64((seconds * 1000).rounded(.down)) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.millis < rhs.millis }

    /// This instant moved by `span`.
    public static func + (lhs: Timestamp, rhs: AerDuration) -> Timestamp { Timestamp(millis: lhs.millis &+ rhs.millis) }
    /// This instant moved back by `span`.
    public static func - (lhs: Timestamp, rhs: AerDuration) -> Timestamp { Timestamp(millis: lhs.millis &- rhs.millis) }
    /// The time from `rhs` to `lhs`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> AerDuration { AerDuration(millis: lhs.millis &- rhs.millis) }

    /// ISO 8601 in UTC with milliseconds: `2026-11-24T09:30:00.000Z`.
    public var description: String { iso8601 }

    /// ISO 8601 in UTC with milliseconds: `2026-11-24T09:30:00.000Z`.
    public var iso8601: String {
        let (days, msOfDay) = millis.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let hour = msOfDay / 3_600_000
        let minute = msOfDay / 60_000 % 60
        let second = msOfDay / 1000 % 60
        let ms = msOfDay % 1000
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(ms, 3))Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Parses ISO 8601 / RFC 3339: `2026-11-24`, `2026-11-24T09:30:00Z`, `2026-11-24T09:30:00.123456+01:00`,
    /// also with a space instead of `T`. Returns nil for anything else (no guessing).
    public init?(iso8601 text: some StringProtocol) {
        var utf8 = Array(text.utf8)
        guard let parsed = utf8.withUnsafeMutableBufferPointer({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private static func parse(_ b: UnsafeMutableBufferPointer<UInt8>) -> Timestamp? {
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int64(c - 48)
                i += 1
            }
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var ms: Int64 = 0
        var offsetMinutes: Int64 = 0
        if i < b.count {
            guard b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t, space
            i += 1
            guard let hour = digits(2), expect(58), let minute = digits(2) else { return nil }
            var second: Int64 = 0
            if expect(58) {
                guard let s = digits(2) else { return nil }
                second = s
            }
            guard hour < 24, minute < 60, second < 61 else { return nil }
            ms = ((hour * 60 + minute) * 60 + min(second, 59)) * 1000
            if i < b.count, b[i] == 46 || b[i] == 44 {  // fractional seconds: keep milliseconds, truncate the rest
                i += 1
                var scale: Int64 = 100
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    ms += Int64(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
            if i < b.count {
                if b[i] == 90 || b[i] == 122 {  // Z
                    i += 1
                } else if b[i] == 43 || b[i] == 45 {  // + or -
                    let sign: Int64 = b[i] == 45 ? -1 : 1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    _ = expect(58)
                    let om = digits(2) ?? 0
                    guard oh < 24, om < 60 else { return nil }
                    offsetMinutes = sign * (oh * 60 + om)
                } else {
                    return nil
                }
            }
            guard i == b.count else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Timestamp(millis: days * 86_400_000 + ms - offsetMinutes * 60_000)
    }

    private static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since the epoch for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since the epoch.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO 8601 timestamp")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

extension Int64 {
    /// Floor division and the non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = self / divisor
        let r = self % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
