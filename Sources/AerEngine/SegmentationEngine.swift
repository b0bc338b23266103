public import AerCore
public import AerStore

/// The outcome of evaluating one customer: the migrations it caused and when to look again.
public struct EvaluationResult: Sendable, Hashable {
    public var profileId: Int64
    /// Migrations, in target order (lifecycle sets first, then segments).
    public var migrations: [Migration]
    /// The instant a rule could next change with no new event; nil for none. Replaces any earlier timer.
    public var nextTimer: Timestamp?
}

/// A customer's current place in one lifecycle set or segment, as the store persists it.
public struct Membership: Sendable, Hashable {
    public var set: String
    public var kind: MembershipKind
    /// The stage (lifecycle) or the segment id (segment, when in it).
    public var stage: String

    public init(set: String, kind: MembershipKind, stage: String) {
        self.set = set
        self.kind = kind
        self.stage = stage
    }
}

/// Incremental segmentation: folds events into compact per-customer state, evaluates every segment and
/// lifecycle set, and reports migrations and the next instant each customer needs a look.
///
/// Single-owner value: the engine service (or `aerd simulate`) drives it from one task, in log order.
public struct SegmentationEngine: Sendable {
    public let rules: RuleSet
    /// The latest fit of the customer-value models, which `predicted:` rules read; nil before the first.
    public private(set) var model: ModelFit?
    private var profiles: [Int64: ProfileState] = [:]

    /// An engine for the compiled rules, with no customers yet.
    public init(rules: RuleSet) {
        self.rules = rules
    }

    /// Adopts a fit of the customer-value models (a refit landed); re-evaluate customers to apply it.
    public mutating func adopt(_ fit: ModelFit?) {
        model = fit
    }

    /// Customers the engine holds state for.
    public var profileCount: Int { profiles.count }

    /// Folds an event in and re-evaluates its customer at `now`.
    /// - Parameters:
    ///   - stored: the event with its log position and profile.
    ///   - now: the evaluation instant (the clock; in a simulation, the event's time).
    public mutating func apply(_ stored: StoredEvent, now: Timestamp) -> EvaluationResult {
        let id = stored.profileId
        fold(stored.event, into: id, now: now.millis)
        return evaluate(id, at: now, cause: .event(seq: stored.seq, messageId: stored.event.messageId))
    }

    /// Folds an event into a customer's state without evaluating (rebuilding state from the log).
    ///
    /// Nothing is dropped as too old here: a timer still pending from before the rebuild must see the
    /// state as it was at its own instant. The next evaluation prunes.
    public mutating func replay(_ stored: StoredEvent) {
        fold(stored.event, into: stored.profileId, now: .min)
    }

    /// Re-evaluates a customer whose timer came due at `instant`; migrations are dated `instant`.
    public mutating func fire(_ profileId: Int64, at instant: Timestamp) -> EvaluationResult {
        evaluate(profileId, at: instant, cause: .timer)
    }

    /// Re-evaluates a customer for another reason (configuration change, merge).
    public mutating func reevaluate(_ profileId: Int64, at instant: Timestamp, cause: MigrationCause) -> EvaluationResult {
        evaluate(profileId, at: instant, cause: cause)
    }

    /// Sets a customer's current placement from the store (after a restart), without migrations.
    public mutating func restore(_ profileId: Int64, memberships: [Membership]) {
        var state = profiles[profileId] ?? ProfileState(rules: rules)
        for (index, target) in rules.targets.enumerated() {
            guard let membership = memberships.first(where: { $0.set == target.id }) else {
                state.placement[index] = target.kind == .segment ? 0 : -1
                continue
            }
            switch target.kind {
            case .segment: state.placement[index] = 1
            case .lifecycle: state.placement[index] = Int16(target.stages.firstIndex(of: membership.stage) ?? -1)
            }
        }
        profiles[profileId] = state
    }

    /// Forgets a customer (merged into another, or erased).
    public mutating func remove(_ profileId: Int64) {
        profiles[profileId] = nil
    }

    /// The ids of every customer with state.
    public var profileIds: [Int64] { Array(profiles.keys) }

    /// The customer's current memberships.
    public func memberships(of profileId: Int64) -> [Membership] {
        guard let state = profiles[profileId] else { return [] }
        return rules.targets.indices.compactMap { index in
            let target = rules.targets[index]
            let placement = Int(state.placement[index])
            switch target.kind {
            case .segment: return placement == 1 ? Membership(set: target.id, kind: .segment, stage: target.id) : nil
            case .lifecycle: return placement >= 0 ? Membership(set: target.id, kind: .lifecycle, stage: target.stages[placement]) : nil
            }
        }
    }

    /// Whether extra condition `index` (see `RuleSet.init(…conditions:)`) holds for a customer at `instant`;
    /// false for a customer the engine does not know.
    public func holds(condition index: Int, profileId: Int64, at instant: Timestamp) -> Bool {
        guard let state = profiles[profileId], rules.extraRules.indices.contains(index) else { return false }
        return state.holds(rules.extraRules[index], rules: rules, model: model?.valuation, now: instant.millis)
    }

    /// The customer's current stage in lifecycle set `set`, or whether they are in segment `set`
    /// (its id when in, nil when out).
    public func placement(of profileId: Int64, in set: String) -> String? {
        memberships(of: profileId).first { $0.set == set }?.stage
    }

    /// How many timestamps and values the engine holds for a customer (memory accounting, tests).
    public func retainedTimestamps(of profileId: Int64) -> Int {
        guard let state = profiles[profileId] else { return 0 }
        return state.counters.reduce(0) { $0 + $1.times.count } + state.aggregators.reduce(0) { $0 + $1.times.count }
    }

    private mutating func fold(_ event: Event, into id: Int64, now: Int64) {
        profiles[id, default: ProfileState(rules: rules)].apply(event, rules: rules, now: now)
    }

    private mutating func evaluate(_ id: Int64, at instant: Timestamp, cause: MigrationCause) -> EvaluationResult {
        // Taken out of the dictionary so the state is uniquely owned: pruning and placement updates mutate in
        // place instead of copying its arrays.
        guard var state = profiles.removeValue(forKey: id) else { return EvaluationResult(profileId: id, migrations: [], nextTimer: nil) }
        let now = instant.millis
        let valuation = model?.valuation
        state.prune(rules: rules, now: now)
        var migrations: [Migration] = []
        for index in rules.targets.indices {
            let previous = Int(state.placement[index])
            var current = rules.targets[index].stages.count - 1
            switch rules.targets[index].kind {
            case .segment:
                current = state.holds(rules.targets[index].rules[0]!, rules: rules, model: valuation, now: now) ? 1 : 0
                if current != max(previous, 0) {
                    let set = rules.targets[index].id
                    migrations.append(Migration(
                        profileId: id, set: set, kind: .segment, from: current == 1 ? nil : set,
                        to: current == 1 ? set : nil, at: instant, cause: cause))
                }
            case .lifecycle:
                for stage in rules.targets[index].rules.indices {
                    guard let rule = rules.targets[index].rules[stage] else {
                        current = stage
                        break
                    }
                    if state.holds(rule, rules: rules, model: valuation, now: now) {
                        current = stage
                        break
                    }
                }
                if current != previous {
                    let target = rules.targets[index]
                    migrations.append(Migration(
                        profileId: id, set: target.id, kind: .lifecycle, from: previous >= 0 ? target.stages[previous] : nil,
                        to: target.stages[current], at: instant, cause: cause))
                }
            }
            state.placement[index] = Int16(current)
        }
        let next = state.nextChange(rules: rules, model: valuation, now: now).map(Timestamp.init(millis:))
        profiles[id] = state
        return EvaluationResult(profileId: id, migrations: migrations, nextTimer: next)
    }
}
