import AerAnalytics
import AerCore
import AerJSON

extension ProfileState {
    /// Whether `rule` holds at `now`; rules on predictions read `model` (false without one).
    func holds(_ rule: RuleSet.Rule, rules: RuleSet, model: CustomerValuation?, now: Int64) -> Bool {
        switch rule {
        case .all(let parts):
            return parts.allSatisfy { holds($0, rules: rules, model: model, now: now) }
        case .any(let parts):
            return parts.contains { holds($0, rules: rules, model: model, now: now) }
        case .not(let part):
            return !holds(part, rules: rules, model: model, now: now)
        case .count(let index, let comparison):
            let counter = counters[index]
            guard let window = rules.countFeatures[index].key.window else { return comparison.holds(Double(counter.total)) }
            let horizon = now - window.millis
            var count = 0
            for time in counter.times.reversed() {
                if time <= horizon { break }
                count += 1
            }
            return comparison.holds(Double(count))
        case .aggregate(let index, let function, let comparison):
            let aggregator = aggregators[index]
            guard let window = rules.aggregateFeatures[index].window else {
                switch function {
                case .sum: return comparison.holds(aggregator.sum)
                case .avg: return aggregator.count > 0 && comparison.holds(aggregator.sum / Double(aggregator.count))
                case .min: return aggregator.count > 0 && comparison.holds(aggregator.minimum)
                case .max: return aggregator.count > 0 && comparison.holds(aggregator.maximum)
                }
            }
            let horizon = now - window.millis
            let start = aggregator.times.firstIndex { $0 > horizon } ?? aggregator.times.count
            let values = aggregator.values[start...]
            switch function {
            case .sum: return comparison.holds(values.reduce(0, +))
            case .avg: return !values.isEmpty && comparison.holds(values.reduce(0, +) / Double(values.count))
            case .min: return values.min().map(comparison.holds) ?? false
            case .max: return values.max().map(comparison.holds) ?? false
            }
        case .trait(let name, let test):
            return test.holds(for: traits[name], now: Timestamp(millis: now))
        case .firstSeen(let recency):
            return hasEvents && Self.recency(recency, seen: firstSeen, now: now)
        case .lastSeen(let recency):
            return hasEvents && Self.recency(recency, seen: lastSeen, now: now)
        case .sinceLast(let index, let bound):
            let last = lastEvents[index]
            guard last != .min else { return false }
            switch bound {
            case .atLeast(let duration): return now - last >= duration.millis
            case .atMost(let duration): return now - last <= duration.millis
            }
        case .predicted(let rule):
            // No model fitted yet, or no purchase yet: nothing to predict from, so the rule is false.
            guard let value = model?.value(rule.metric.valuationMetric, for: purchases, at: Double(now) / 1000) else { return false }
            return rule.comparison.holds(value)
        }
    }

    private static func recency(_ rule: RecencyRule, seen: Int64, now: Int64) -> Bool {
        switch rule {
        case .within(let duration): seen > now - duration.millis
        case .olderThan(let duration): seen <= now - duration.millis
        }
    }

    /// The earliest instant after `now` at which some rule could change its outcome with no new event,
    /// or nil if none can: a window dropping its oldest event, a since-last or recency bound being
    /// reached, a date trait ageing past its bound, a prediction crossing its threshold as the customer ages.
    func nextChange(rules: RuleSet, model: CustomerValuation?, now: Int64) -> Int64? {
        var next = Int64.max
        func consider(_ instant: Int64) {
            if instant > now && instant < next { next = instant }
        }
        for index in counters.indices {
            guard let window = rules.countFeatures[index].key.window else { continue }
            if let first = counters[index].times.first(where: { $0 > now - window.millis }) { consider(first + window.millis) }
        }
        for index in aggregators.indices {
            guard let window = rules.aggregateFeatures[index].window else { continue }
            if let first = aggregators[index].times.first(where: { $0 > now - window.millis }) { consider(first + window.millis) }
        }
        for (index, bound) in rules.sinceLastRules {
            let last = lastEvents[index]
            guard last != .min else { continue }
            switch bound {
            case .atLeast(let duration): consider(last + duration.millis)
            case .atMost(let duration): consider(last + duration.millis + 1)
            }
        }
        if hasEvents {
            for rule in rules.firstSeenRules { consider(firstSeen + Self.bound(rule)) }
            for rule in rules.lastSeenRules { consider(lastSeen + Self.bound(rule)) }
        }
        for (trait, test) in rules.traitDateTests {
            if let instant = test.nextChange(for: traits[trait], after: Timestamp(millis: now)) { consider(instant) }
        }
        if let model, !purchases.isEmpty {
            for rule in rules.predictedRules {
                let change = model.nextChange(
                    of: rule.metric.valuationMetric, for: purchases, after: Double(now) / 1000, threshold: rule.comparison.value,
                    holds: rule.comparison.holds)
                if let change { consider(Int64((change * 1000).rounded(.up))) }
            }
        }
        return next == .max ? nil : next
    }

    private static func bound(_ rule: RecencyRule) -> Int64 {
        switch rule {
        case .within(let duration), .olderThan(let duration): duration.millis
        }
    }
}

extension PredictedMetric {
    /// The valuation's name for this metric.
    var valuationMetric: CustomerValuation.Metric {
        switch self {
        case .pAlive: .probabilityAlive
        case .expectedPurchases: .expectedPurchases
        case .expectedValue: .expectedSpend
        case .clv: .lifetimeValue
        }
    }
}
