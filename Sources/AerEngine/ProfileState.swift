import AerAnalytics
import AerCore
import AerJSON

/// What the engine keeps per customer: only what the active rules read, bounded by their windows and
/// count thresholds. Never the event history itself.
struct ProfileState: Sendable {
    /// Recent timestamps of one count feature (ascending, pruned to the window, at most `keep`), or the
    /// running total for an all-history count.
    struct Counter: Sendable {
        var times: [Int64] = []
        var total: Int = 0
    }

    /// Values of one aggregate feature: (time, value) pairs inside the window, or running figures.
    struct Aggregator: Sendable {
        var times: [Int64] = []
        var values: [Double] = []
        var sum: Double = 0
        var count: Int = 0
        var minimum: Double = .infinity
        var maximum: Double = -.infinity
    }

    var firstSeen: Int64 = .max
    var lastSeen: Int64 = .min
    var counters: [Counter]
    var aggregators: [Aggregator]
    /// Last occurrence per `since_last` event name; `.min` when never.
    var lastEvents: [Int64]
    var traits: [String: JSONValue] = [:]
    var traitsAt: Int64 = .min
    /// Purchases by day, kept only when some rule reads a model prediction.
    var purchases = PurchaseHistory()
    /// Per target: the stage index (lifecycle) or 1 = in / 0 = out (segment); -1 before the first evaluation.
    var placement: [Int16]

    init(rules: RuleSet) {
        counters = Array(repeating: Counter(), count: rules.countFeatures.count)
        aggregators = Array(repeating: Aggregator(), count: rules.aggregateFeatures.count)
        lastEvents = Array(repeating: .min, count: rules.lastEventNames.count)
        placement = Array(repeating: -1, count: rules.targets.count)
    }

    var hasEvents: Bool { firstSeen != .max }

    /// Folds an event into the state. Events older than every window that could use them change nothing.
    mutating func apply(_ event: Event, rules: RuleSet, now: Int64) {
        let time = event.timestamp.millis
        firstSeen = min(firstSeen, time)
        lastSeen = max(lastSeen, time)
        if event.type == .identify, !event.traits.isEmpty, !rules.traitNames.isEmpty {
            let newer = time >= traitsAt
            for (name, value) in event.traits where rules.traitNames.contains(name) {
                if newer || traits[name] == nil { traits[name] = value }
            }
            if newer { traitsAt = time }
        }
        if rules.usesPredictions, let amount = event.purchaseAmount {
            purchases.record(secondsSinceEpoch: Double(time) / 1000, amount: amount)
        }
        guard let name = event.ruleName, let indices = rules.featuresByName[name] else { return }
        for index in indices.counts {
            if !rules.countFeatures[index].key.filters.isEmpty,
                !rules.countFeatures[index].key.filters.allSatisfy({ $0.matches(event.properties) })
            {
                continue
            }
            guard let window = rules.countFeatures[index].key.window else {
                counters[index].total += 1
                continue
            }
            if now != .min && time <= now - window.millis { continue }
            Self.insert(time, into: &counters[index].times)
            let keep = rules.countFeatures[index].keep
            if counters[index].times.count > keep { counters[index].times.removeFirst(counters[index].times.count - keep) }
        }
        for index in indices.aggregates {
            let property = rules.aggregateFeatures[index].property
            guard rules.aggregateFeatures[index].filters.allSatisfy({ $0.matches(event.properties) }),
                let value = (property.contains(".") ? JSONValue.object(event.properties).value(atPath: property) : event.properties[property])?.numeric
            else { continue }
            if let window = rules.aggregateFeatures[index].window {
                if now != .min && time <= now - window.millis { continue }
                let position = Self.insert(time, into: &aggregators[index].times)
                aggregators[index].values.insert(value, at: position)
            } else {
                aggregators[index].sum += value
                aggregators[index].count += 1
                aggregators[index].minimum = min(aggregators[index].minimum, value)
                aggregators[index].maximum = max(aggregators[index].maximum, value)
            }
        }
        for index in indices.lasts { lastEvents[index] = max(lastEvents[index], time) }
    }

    /// Drops what has left every window at `now`.
    mutating func prune(rules: RuleSet, now: Int64) {
        for index in counters.indices {
            guard let window = rules.countFeatures[index].key.window, let first = counters[index].times.first,
                first <= now - window.millis
            else { continue }
            counters[index].times.removeAll { $0 <= now - window.millis }
        }
        for index in aggregators.indices {
            guard let window = rules.aggregateFeatures[index].window, let first = aggregators[index].times.first,
                first <= now - window.millis
            else { continue }
            let keep = aggregators[index].times.firstIndex { $0 > now - window.millis } ?? aggregators[index].times.count
            aggregators[index].times.removeFirst(keep)
            aggregators[index].values.removeFirst(keep)
        }
    }

    /// Inserts keeping ascending order (appends in the common in-order case); returns the position.
    @discardableResult
    private static func insert(_ time: Int64, into times: inout [Int64]) -> Int {
        var position = times.count
        while position > 0 && times[position - 1] > time { position -= 1 }
        times.insert(time, at: position)
        return position
    }
}
