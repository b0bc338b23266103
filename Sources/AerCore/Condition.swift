public import AerJSON

/// A rule on a customer, the segment condition language. See docs/config.md for the YAML form.
public indirect enum Condition: Sendable, Hashable {
    /// Every sub-condition holds (true when empty).
    case all([Condition])
    /// At least one sub-condition holds (false when empty).
    case any([Condition])
    /// The sub-condition does not hold.
    case not(Condition)
    /// The customer performed an event a number of times, optionally within a window.
    case event(EventRule)
    /// sum / avg / min / max of a numeric event property within a window, compared to a number.
    case aggregate(AggregateRule)
    /// A profile trait compared to a value, or a date trait compared to now.
    case trait(TraitRule)
    /// When the customer was first seen, relative to now.
    case firstSeen(RecencyRule)
    /// When the customer was last seen, relative to now.
    case lastSeen(RecencyRule)
    /// Time since the customer last performed an event.
    case sinceLast(SinceLastRule)
    /// A model prediction (`p_alive`, `clv`, …) compared to a number.
    case predicted(PredictedRule)
}

/// A comparison operator.
public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case greater = ">"
    case greaterOrEqual = ">="
    case less = "<"
    case lessOrEqual = "<="

    /// Whether `lhs <op> rhs`.
    public func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        case .greater: lhs > rhs
        case .greaterOrEqual: lhs >= rhs
        case .less: lhs < rhs
        case .lessOrEqual: lhs <= rhs
        }
    }
}

/// A numeric comparison such as `>= 3`.
public struct Comparison: Sendable, Hashable, CustomStringConvertible {
    public var op: ComparisonOperator
    public var value: Double

    public init(_ op: ComparisonOperator, _ value: Double) {
        self.op = op
        self.value = value
    }

    /// Whether `lhs` satisfies the comparison.
    public func holds(_ lhs: Double) -> Bool { op.holds(lhs, value) }

    /// Parses `">= 3"`, `"=0"`, `"== 2"`, `"< 2.5"`; a bare number means `=`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingWhitespace()
        let ops: [(String, ComparisonOperator)] = [
            (">=", .greaterOrEqual), ("<=", .lessOrEqual), ("!=", .notEqual), ("==", .equal),
            (">", .greater), ("<", .less), ("=", .equal),
        ]
        var op = ComparisonOperator.equal
        var rest = Substring(trimmed)
        for (symbol, candidate) in ops where rest.hasPrefix(symbol) {
            op = candidate
            rest = rest.dropFirst(symbol.count)
            break
        }
        guard let value = Double(rest.trimmingWhitespace()), value.isFinite else { return nil }
        self.init(op, value)
    }

    public var description: String {
        let number = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        return "\(op.rawValue) \(number)"
    }
}

/// A test on one JSON value: an event property or a profile trait.
public enum ValueTest: Sendable, Hashable {
    case equals(JSONValue)
    case notEquals(JSONValue)
    case isIn([JSONValue])
    case exists(Bool)
    case compare(Comparison)
    /// Substring for strings, membership for arrays.
    case contains(String)
    /// A date value (ISO 8601 string or epoch seconds) within `duration` before now.
    case within(AerDuration)
    /// A date value more than `duration` before now.
    case olderThan(AerDuration)
}

/// A test on a named property (dot path for nested objects).
public struct PropertyFilter: Sendable, Hashable {
    public var path: String
    public var test: ValueTest

    public init(path: String, test: ValueTest) {
        self.path = path
        self.test = test
    }
}

/// `{event: NAME, count: ">= 3", within: 3d, where: {...}}`.
public struct EventRule: Sendable, Hashable {
    public var name: String
    /// How many matching events are needed; default `>= 1`.
    public var count: Comparison
    /// Only events newer than now − within count; nil counts all history.
    public var within: AerDuration?
    public var filters: [PropertyFilter]

    public init(name: String, count: Comparison = Comparison(.greaterOrEqual, 1), within: AerDuration? = nil, filters: [PropertyFilter] = []) {
        self.name = name
        self.count = count
        self.within = within
        self.filters = filters
    }
}

/// The aggregate functions over a numeric property.
public enum AggregateFunction: String, Sendable, Hashable, CaseIterable {
    case sum, avg, min, max
}

/// `{sum: revenue, event: Order Completed, within: 365d, ">=": 500}`.
public struct AggregateRule: Sendable, Hashable {
    public var function: AggregateFunction
    public var property: String
    public var event: String
    public var within: AerDuration?
    public var filters: [PropertyFilter]
    /// The comparison the aggregate must satisfy. With no matching events avg/min/max have no value
    /// (the rule is false) and sum is 0.
    public var comparison: Comparison

    public init(function: AggregateFunction, property: String, event: String, within: AerDuration?, filters: [PropertyFilter], comparison: Comparison) {
        self.function = function
        self.property = property
        self.event = event
        self.within = within
        self.filters = filters
        self.comparison = comparison
    }
}

/// `{trait: plan, equals: pro}`, `{trait: signed_up_at, older_than: 30d}`.
public struct TraitRule: Sendable, Hashable {
    public var trait: String
    public var test: ValueTest

    public init(trait: String, test: ValueTest) {
        self.trait = trait
        self.test = test
    }
}

/// `within` / `older_than` relative to now.
public enum RecencyRule: Sendable, Hashable {
    case within(AerDuration)
    case olderThan(AerDuration)
}

/// `{since_last: Product Added, at_least: 1h}` — false if the event never happened.
public struct SinceLastRule: Sendable, Hashable {
    public enum Bound: Sendable, Hashable {
        case atLeast(AerDuration)
        case atMost(AerDuration)
    }

    public var event: String
    public var bound: Bound

    public init(event: String, bound: Bound) {
        self.event = event
        self.bound = bound
    }
}

/// The model outputs a rule can read.
public enum PredictedMetric: String, Sendable, Hashable, CaseIterable {
    case pAlive = "p_alive"
    case expectedPurchases = "expected_purchases"
    case expectedValue = "expected_value"
    case clv
}

/// `{predicted: p_alive, "<": 0.3}` — false until a model has been fitted.
public struct PredictedRule: Sendable, Hashable {
    public var metric: PredictedMetric
    public var comparison: Comparison

    public init(metric: PredictedMetric, comparison: Comparison) {
        self.metric = metric
        self.comparison = comparison
    }
}
