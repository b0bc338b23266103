public import AerCore

/// The strategies' triggers, indexed for matching, with their `if:` clauses numbered for the engine.
public struct TriggerCatalog: Sendable {
    /// A trigger with its strategy and the index of its `if:` condition in `conditions`.
    public struct Entry: Sendable {
        public var strategy: Strategy
        public var trigger: Trigger
        public var conditionIndex: Int?
    }

    public private(set) var entries: [Entry] = []
    /// The `if:` conditions, to compile into the engine's `RuleSet(…, conditions:)`.
    public private(set) var conditions: [Condition] = []
    /// Event names some strategy's goal counts.
    public private(set) var goalEvents: Set<String> = []

    /// Indexes the triggers of `strategies`, highest priority first.
    public init(strategies: [Strategy]) {
        for strategy in strategies.sorted(by: { $0.priority > $1.priority }) {
            if let goal = strategy.policy.goal { goalEvents.insert(goal.event) }
            for trigger in strategy.triggers {
                var index: Int?
                if let condition = trigger.condition {
                    index = conditions.count
                    conditions.append(condition)
                }
                entries.append(Entry(strategy: strategy, trigger: trigger, conditionIndex: index))
            }
        }
    }

    /// The triggers a migration fires.
    public func matching(_ migration: Migration) -> [Entry] {
        entries.filter { entry in
            switch entry.trigger.on {
            case .migration(let set, let from, let to):
                guard migration.kind == .lifecycle, migration.set == set else { return false }
                return Self.matches(from, migration.from) && Self.matches(to, migration.to)
            case .enter(let segment):
                return migration.kind == .segment && migration.set == segment && migration.to != nil
            case .exit(let segment):
                return migration.kind == .segment && migration.set == segment && migration.to == nil
            case .event:
                return false
            }
        }
    }

    /// The triggers an event fires.
    public func matching(_ event: Event) -> [Entry] {
        guard let name = event.ruleName else { return [] }
        return entries.filter { entry in
            guard case .event(let wanted, let filters) = entry.trigger.on, wanted == name else { return false }
            return filters.allSatisfy { $0.matches(event.properties) }
        }
    }

    /// The trigger `id` of strategy `strategy`.
    public func entry(strategy: String, trigger: String) -> Entry? {
        entries.first { $0.strategy.id == strategy && $0.trigger.id == trigger }
    }

    /// nil (or `*`) matches anything, including no stage (a first placement).
    private static func matches(_ wanted: [String]?, _ actual: String?) -> Bool {
        guard let wanted, !wanted.contains("*") else { return true }
        guard let actual else { return false }
        return wanted.contains(actual)
    }
}
