public import AerJSON

extension JSONValue {
    /// The value as a number: numbers, and strings that spell one (CSV imports make every trait a string).
    public var numeric: Double? {
        switch self {
        case .number(let value): value
        case .string(let text): Double(text)
        case .bool, .null, .array, .object: nil
        }
    }

    /// The value as an instant: an ISO 8601 string, or a number of seconds since the epoch.
    public var instant: Timestamp? {
        switch self {
        case .string(let text): Timestamp(iso8601: text)
        case .number(let seconds): Timestamp(secondsSinceEpoch: seconds)
        default: nil
        }
    }
}

extension ValueTest {
    /// Whether `value` (nil when absent) passes the test at `now`.
    public func holds(for value: JSONValue?, now: Timestamp) -> Bool {
        switch self {
        case .equals(let expected):
            guard let value else { return false }
            return Self.same(value, expected)
        case .notEquals(let expected):
            guard let value else { return true }
            return !Self.same(value, expected)
        case .isIn(let options):
            guard let value else { return false }
            return options.contains { Self.same(value, $0) }
        case .exists(let wanted):
            let present = value.map { !$0.isNull } ?? false
            return present == wanted
        case .compare(let comparison):
            guard let number = value?.numeric else { return false }
            return comparison.holds(number)
        case .contains(let needle):
            switch value {
            case .string(let text)?: return text.contains(needle)
            case .array(let items)?: return items.contains(.string(needle))
            default: return false
            }
        case .within(let duration):
            guard let instant = value?.instant else { return false }
            return instant.millis > now.millis - duration.millis
        case .olderThan(let duration):
            guard let instant = value?.instant else { return false }
            return instant.millis <= now.millis - duration.millis
        }
    }

    /// For date tests, the instant after `now` at which the outcome flips with no new data.
    public func nextChange(for value: JSONValue?, after now: Timestamp) -> Int64? {
        switch self {
        case .within(let duration), .olderThan(let duration):
            guard let instant = value?.instant else { return nil }
            let flip = instant.millis + duration.millis
            return flip > now.millis ? flip : nil
        default:
            return nil
        }
    }

    /// Equality that treats a number and a string spelling the same number as equal.
    private static func same(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if lhs == rhs { return true }
        switch (lhs, rhs) {
        case (.number(let number), .string(let text)), (.string(let text), .number(let number)):
            return Double(text) == number
        default:
            return false
        }
    }
}

extension PropertyFilter {
    /// Whether the event's properties pass the filter.
    public func matches(_ properties: JSONObject) -> Bool {
        let value: JSONValue? = path.contains(".") ? JSONValue.object(properties).value(atPath: path) : properties[path]
        return test.holds(for: value, now: Timestamp(millis: 0))
    }
}
