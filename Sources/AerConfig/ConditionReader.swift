import AerCore
import AerJSON

/// The condition language: a YAML mapping with exactly one head key. See docs/config.md.
extension ConfigReader {
    static let conditionHeads = [
        "all", "any", "not", "event", "sum", "avg", "min", "max", "trait", "first_seen", "last_seen", "since_last", "predicted",
    ]
    static let comparisonKeys = ["=", "==", "!=", ">", ">=", "<", "<="]
    static let filterOperators = ["equals", "not_equals", "in", "exists", ">", ">=", "<", "<=", "contains"]
    static let traitOperators = filterOperators + ["within", "older_than"]

    mutating func condition(_ node: YAMLNode) -> Condition? {
        guard case .mapping = node.content else {
            expected("a condition", node, hint: "a condition is a mapping such as {event: Order Completed, within: 30d}")
            return nil
        }
        guard let fields = mapping(node) else { return nil }
        let aggregates = fields.entries.filter { AggregateFunction(rawValue: $0.key) != nil }
        if aggregates.count > 1 {
            error(aggregates[1].keyNode.location, "'\(aggregates[0].key)' and '\(aggregates[1].key)' cannot be in one condition",
                  hint: "an aggregate condition has one function: sum, avg, min or max")
            return nil
        }
        let heads = fields.entries.filter { Self.conditionHeads.contains($0.key) && !(aggregates.count == 1 && $0.key == "event") }
        guard let head = heads.first else {
            let known = Set(Self.conditionHeads + ["count", "within", "where"] + Self.traitOperators + Self.comparisonKeys + ["at_least", "at_most"])
            if let unknown = fields.entries.first(where: { !known.contains($0.key) }),
                let near = Spelling.nearest(to: unknown.key, among: Self.conditionHeads)
            {
                error(unknown.keyNode.location, "unknown key '\(unknown.key)' in condition", hint: "did you mean '\(near)'?")
            } else {
                error(node.location, "a condition needs one of the keys " + Self.conditionHeads.joined(separator: ", "))
            }
            return nil
        }
        if heads.count > 1 {
            error(heads[1].keyNode.location, "'\(head.key)' and '\(heads[1].key)' cannot be in one condition",
                  hint: "combine conditions with all: [...] or any: [...]")
            return nil
        }
        switch head.key {
        case "all", "any": return junction(fields, head.key)
        case "not":
            checkKeys(fields, allowed: ["not"], in: "'not' condition")
            guard let inner = required(fields, "not"), let condition = condition(inner) else { return nil }
            return .not(condition)
        case "event": return eventRule(fields).map(Condition.event)
        case "sum", "avg", "min", "max": return aggregateRule(fields, AggregateFunction(rawValue: head.key)!).map(Condition.aggregate)
        case "trait": return traitRule(fields).map(Condition.trait)
        case "first_seen": return recencyRule(fields, "first_seen").map(Condition.firstSeen)
        case "last_seen": return recencyRule(fields, "last_seen").map(Condition.lastSeen)
        case "since_last": return sinceLastRule(fields).map(Condition.sinceLast)
        default: return predictedRule(fields).map(Condition.predicted)
        }
    }

    private mutating func junction(_ fields: Fields, _ head: String) -> Condition? {
        checkKeys(fields, allowed: [head], in: "'\(head)' condition")
        guard let value = required(fields, head), let items = list(value, of: "conditions") else { return nil }
        guard !items.isEmpty else {
            error(value.location, "'\(head)' needs at least one condition")
            return nil
        }
        var conditions: [Condition] = []
        for item in items {
            if let condition = condition(item) { conditions.append(condition) }
        }
        guard conditions.count == items.count else { return nil }
        return head == "all" ? .all(conditions) : .any(conditions)
    }

    private mutating func eventRule(_ fields: Fields) -> EventRule? {
        checkKeys(fields, allowed: ["event", "count", "within", "where"], in: "event condition")
        let name = required(fields, "event").flatMap { nonEmptyString($0, "an event name") }
        let count = fields["count"].map { comparison($0) }
        let within = fields["within"].map { duration($0) }
        let filters = fields["where"].map { self.filters($0) }
        guard let name, count != .some(nil), within != .some(nil), filters != .some(nil) else { return nil }
        return EventRule(name: name, count: count.flatMap { $0 } ?? Comparison(.greaterOrEqual, 1), within: within ?? nil,
                         filters: filters.flatMap { $0 } ?? [])
    }

    private mutating func aggregateRule(_ fields: Fields, _ function: AggregateFunction) -> AggregateRule? {
        let head = function.rawValue
        checkKeys(fields, allowed: [head, "event", "within", "where"] + Self.comparisonKeys, in: "'\(head)' condition")
        let property = required(fields, head).flatMap { nonEmptyString($0, "a property name") }
        let event = required(fields, "event", hint: "name the event whose property is aggregated")
            .flatMap { nonEmptyString($0, "an event name") }
        let within = fields["within"].map { duration($0) }
        let filters = fields["where"].map { self.filters($0) }
        let comparison = comparisonKey(fields)
        guard let property, let event, within != .some(nil), filters != .some(nil), let comparison else { return nil }
        return AggregateRule(function: function, property: property, event: event, within: within ?? nil,
                             filters: filters.flatMap { $0 } ?? [], comparison: comparison)
    }

    private mutating func traitRule(_ fields: Fields) -> TraitRule? {
        let known = checkKeys(fields, allowed: ["trait"] + Self.traitOperators, in: "trait condition", returningValidity: true)
        let name = required(fields, "trait").flatMap { nonEmptyString($0, "a trait name") }
        guard let op = exactlyOne(fields, among: Self.traitOperators, missing: known ? "missing a test for the trait" : nil,
                                  hint: "add one of " + Self.traitOperators.joined(separator: ", "))
        else { return nil }
        let test = valueTest(op.key, op.value, dates: true)
        guard let name, let test else { return nil }
        return TraitRule(trait: name, test: test)
    }

    private mutating func recencyRule(_ fields: Fields, _ head: String) -> RecencyRule? {
        checkKeys(fields, allowed: [head], in: "'\(head)' condition")
        guard let value = required(fields, head) else { return nil }
        guard case .mapping = value.content else {
            expected("a mapping with 'within' or 'older_than'", value, hint: "write \(head): {within: 30d} or \(head): {older_than: 30d}")
            return nil
        }
        guard let inner = mapping(value) else { return nil }
        let known = checkKeys(inner, allowed: ["within", "older_than"], in: "'\(head)' condition", returningValidity: true)
        guard let bound = exactlyOne(inner, among: ["within", "older_than"], missing: known ? "missing 'within' or 'older_than'" : nil),
            let duration = duration(bound.value)
        else { return nil }
        return bound.key == "within" ? .within(duration) : .olderThan(duration)
    }

    private mutating func sinceLastRule(_ fields: Fields) -> SinceLastRule? {
        let known = checkKeys(fields, allowed: ["since_last", "at_least", "at_most"], in: "'since_last' condition", returningValidity: true)
        let event = required(fields, "since_last").flatMap { nonEmptyString($0, "an event name") }
        guard let bound = exactlyOne(fields, among: ["at_least", "at_most"], missing: known ? "missing 'at_least' or 'at_most'" : nil),
            let duration = duration(bound.value), let event
        else { return nil }
        return SinceLastRule(event: event, bound: bound.key == "at_least" ? .atLeast(duration) : .atMost(duration))
    }

    private mutating func predictedRule(_ fields: Fields) -> PredictedRule? {
        checkKeys(fields, allowed: ["predicted"] + Self.comparisonKeys, in: "'predicted' condition")
        var metric: PredictedMetric?
        if let value = required(fields, "predicted"), let name = string(value, "a metric name") {
            metric = PredictedMetric(rawValue: name)
            if metric == nil {
                let names = PredictedMetric.allCases.map(\.rawValue)
                error(value.location, "unknown prediction '\(name)'", hint: Spelling.suggestion(for: name, among: names, listing: "expected one of"))
            }
        }
        let comparison = comparisonKey(fields)
        guard let metric, let comparison else { return nil }
        return PredictedRule(metric: metric, comparison: comparison)
    }

    /// The one comparison key (`">=": 500`) of an aggregate or prediction.
    private mutating func comparisonKey(_ fields: Fields) -> Comparison? {
        guard let entry = exactlyOne(fields, among: Self.comparisonKeys, missing: "missing a comparison",
                                     hint: #"add one of =, !=, >, >=, <, <= with a number, such as ">=": 500"#),
            let value = number(entry.value)
        else { return nil }
        let op = entry.key == "==" ? ComparisonOperator.equal : ComparisonOperator(rawValue: entry.key)!
        return Comparison(op, value)
    }

    /// `where:` — property path to a scalar (equals) or to a mapping with one operator.
    mutating func filters(_ node: YAMLNode) -> [PropertyFilter]? {
        guard let fields = mapping(node, "a mapping of property filters") else { return nil }
        var filters: [PropertyFilter] = []
        var ok = true
        for entry in fields.entries {
            let test: ValueTest?
            switch entry.value.content {
            case .mapping:
                guard let inner = mapping(entry.value) else { ok = false; continue }
                let known = checkKeys(inner, allowed: Self.filterOperators, in: "filter on '\(entry.key)'", returningValidity: true)
                let op = exactlyOne(inner, among: Self.filterOperators, missing: known ? "missing an operator for '\(entry.key)'" : nil,
                                    hint: "add one of " + Self.filterOperators.joined(separator: ", "))
                test = op.flatMap { valueTest($0.key, $0.value, dates: false) }
            case .list:
                expected("a value or a mapping with one operator", entry.value, hint: "to match one of several values write {in: [a, b]}")
                test = nil
            default:
                test = json(entry.value).map(ValueTest.equals)
            }
            if entry.key.isEmpty {
                error(entry.keyNode.location, "a property path must not be empty")
                ok = false
            } else if let test {
                filters.append(PropertyFilter(path: entry.key, test: test))
            } else {
                ok = false
            }
        }
        return ok ? filters : nil
    }

    private mutating func valueTest(_ op: String, _ value: YAMLNode, dates: Bool) -> ValueTest? {
        switch op {
        case "equals": return json(value).map(ValueTest.equals)
        case "not_equals": return json(value).map(ValueTest.notEquals)
        case "in":
            guard let items = list(value, of: "values") else { return nil }
            var values: [JSONValue] = []
            for item in items {
                if let json = json(item) { values.append(json) }
            }
            return values.count == items.count ? .isIn(values) : nil
        case "exists": return bool(value).map(ValueTest.exists)
        case "contains": return string(value).map(ValueTest.contains)
        case "within" where dates: return duration(value).map(ValueTest.within)
        case "older_than" where dates: return duration(value).map(ValueTest.olderThan)
        default:
            guard let number = number(value), let op = ComparisonOperator(rawValue: op) else { return nil }
            return .compare(Comparison(op, number))
        }
    }

    /// The single entry among `keys`; reports none (unless `missing` is nil, when an unknown-key error already
    /// explains it) or several.
    mutating func exactlyOne(_ fields: Fields, among keys: [String], missing: String?, hint: String? = nil)
        -> (key: String, value: YAMLNode)?
    {
        let present = fields.entries.filter { keys.contains($0.key) }
        guard let first = present.first else {
            if let missing { error(fields.node.location, missing, hint: hint) }
            return nil
        }
        if present.count > 1 {
            error(present[1].keyNode.location, "'\(first.key)' and '\(present[1].key)' cannot be used together")
            return nil
        }
        return (first.key, first.value)
    }

    /// `checkKeys` that also says whether every key was allowed.
    @discardableResult
    mutating func checkKeys(_ fields: Fields, allowed: [String], in context: String, returningValidity: Bool) -> Bool {
        let before = diagnostics.count
        checkKeys(fields, allowed: allowed, in: context)
        return diagnostics.count == before
    }
}
