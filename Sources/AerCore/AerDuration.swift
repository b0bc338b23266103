/// A length of time written the way marketers write it: `90s`, `15m`, `2h`, `3d`, `8w` (also `500ms`).
///
/// Stored as milliseconds. A day is 24 hours: windows are measured on the timeline, not the calendar.
public struct AerDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Length in milliseconds (never negative when parsed).
    public var millis: Int64

    /// A duration of `millis` milliseconds.
    public init(millis: Int64) { self.millis = millis }

    public static func seconds(_ value: Int64) -> AerDuration { AerDuration(millis: value * 1000) }
    public static func minutes(_ value: Int64) -> AerDuration { AerDuration(millis: value * 60_000) }
    public static func hours(_ value: Int64) -> AerDuration { AerDuration(millis: value * 3_600_000) }
    public static func days(_ value: Int64) -> AerDuration { AerDuration(millis: value * 86_400_000) }
    public static func weeks(_ value: Int64) -> AerDuration { AerDuration(millis: value * 604_800_000) }

    public static func < (lhs: AerDuration, rhs: AerDuration) -> Bool { lhs.millis < rhs.millis }

    private static let units: [(suffix: String, millis: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
    ]

    /// Parses `<integer><unit>` with unit one of ms, s, m, h, d, w; nil otherwise.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        guard let firstLetter = trimmed.firstIndex(where: { !$0.isASCII || !$0.isNumber }) else { return nil }
        let number = trimmed[..<firstLetter]
        let unit = trimmed[firstLetter...]
        guard !number.isEmpty, number.count <= 12, let value = Int64(number),
            let scale = Self.units.first(where: { $0.suffix == unit })?.millis
        else { return nil }
        self.millis = value * scale
    }

    /// What a valid duration looks like, for error messages.
    public static let syntaxHint = "write a whole number and a unit: 90s, 15m, 2h, 3d or 8w"

    /// The shortest exact form: `60d`, `90m`, `1500ms`.
    public var description: String {
        for unit in Self.units.reversed() where millis != 0 && millis % unit.millis == 0 {
            return "\(millis / unit.millis)\(unit.suffix)"
        }
        return "\(millis)ms"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    public func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
