public import AerCore
public import AerEngine
public import AerJSON
public import AerRendering
public import AerStore

/// What a renderer needs to turn one action into an outbox message.
public struct ActionContext: Sendable {
    public var strategy: Strategy
    public var trigger: Trigger
    public var action: Action
    public var actionIndex: Int
    public var profile: ProfileRecord
    /// The migration that fired the trigger, for migration and enter/exit triggers.
    public var migration: Migration?
    /// The event that caused it (event triggers, or the event behind an event-caused migration).
    public var event: Event?
    public var idempotencyKey: String
    public var firedAt: Timestamp
    /// The customer's predictions at `firedAt` from the latest model fit, and the migration's value at stake;
    /// nil before the first fit.
    public var predictions: RenderContext.Predictions?
}

/// Renders an action into the outbox message the dispatcher sends: `{"recipient": {...}, "subject",
/// "text", "html", "params", "unsubscribeURL", "payload"}` (see docs/plugins.md).
public protocol ActionRendering: Sendable {
    func message(for context: ActionContext) throws -> JSONObject
}

/// Turns migrations and events into trigger firings and outbox rows in the engine's transaction, and
/// re-checks waits when they elapse.
public struct Automation: StepPlanner {
    private let catalog: TriggerCatalog
    private let store: any Store
    private let renderer: any ActionRendering

    /// - Parameters:
    ///   - catalog: the strategies' triggers; its `conditions` must be the engine's extra conditions.
    ///   - store: for profiles and previous firings.
    ///   - renderer: builds each action's message.
    public init(catalog: TriggerCatalog, store: any Store, renderer: any ActionRendering) {
        self.catalog = catalog
        self.store = store
        self.renderer = renderer
    }

    public func plan(_ step: inout SegmentationCommit, events: [StoredEvent], engine: SegmentationEngine) async throws {
        var profiles: [Int64: ProfileRecord] = [:]
        var firedInStep: [String: Timestamp] = [:]
        let eventsBySeq = Dictionary(events.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })

        for (index, migration) in step.migrations.enumerated() {
            for entry in catalog.matching(migration) {
                if migration.cause == .config && !entry.trigger.onBackfill { continue }
                var causeEvent: StoredEvent? = nil
                if case .event(let seq, _) = migration.cause { causeEvent = eventsBySeq[seq] }
                let token = "m:\(migration.set):\(migration.from ?? "-"):\(migration.to ?? "-"):\(migration.at.millis)"
                if let firing = try await fire(
                    entry, profileId: migration.profileId, at: migration.at, cause: token, migration: migration,
                    migrationIndex: index, event: causeEvent, engine: engine, profiles: &profiles, firedInStep: &firedInStep)
                {
                    step.firings.append(firing)
                }
            }
        }
        for stored in events {
            if let name = stored.event.ruleName, catalog.goalEvents.contains(name) {
                step.goalEvents.append((stored.profileId, name, stored.event.timestamp))
            }
            for entry in catalog.matching(stored.event) {
                if let firing = try await fire(
                    entry, profileId: stored.profileId, at: stored.event.timestamp, cause: "e:\(stored.seq)", migration: nil,
                    migrationIndex: nil, event: stored, engine: engine, profiles: &profiles, firedInStep: &firedInStep)
                {
                    step.firings.append(firing)
                }
            }
        }
    }

    /// Decides whether a matched trigger fires (its `if:` and re-entry rule) and builds its actions.
    private func fire(
        _ entry: TriggerCatalog.Entry, profileId: Int64, at: Timestamp, cause: String, migration: Migration?, migrationIndex: Int?,
        event: StoredEvent?, engine: SegmentationEngine, profiles: inout [Int64: ProfileRecord], firedInStep: inout [String: Timestamp]
    ) async throws -> NewFiring? {
        let trigger = entry.trigger
        if let condition = entry.conditionIndex, !engine.holds(condition: condition, profileId: profileId, at: at) { return nil }
        let reentryKey = "\(entry.strategy.id)/\(trigger.id)/\(profileId)"
        let last = try await lastFiring(entry, profileId: profileId, inStep: firedInStep[reentryKey])
        switch trigger.reentry {
        case .once:
            if last != nil { return nil }
        case .cooldown(let duration):
            if let last, at < last + duration { return nil }
        case .oncePerMigration:
            break
        }
        firedInStep[reentryKey] = at
        if profiles[profileId] == nil { profiles[profileId] = try await store.profile(matching: String(profileId)) }
        guard let profile = profiles[profileId] else { return nil }

        let predictions = try await predictions(of: profileId, at: at, migration: migration, model: engine.model)
        var actions: [NewAction] = []
        for (index, action) in trigger.actions.enumerated() {
            let key = Self.idempotencyKey(strategy: entry.strategy.id, trigger: trigger.id, profileId: profileId, cause: cause, index: index)
            let context = ActionContext(
                strategy: entry.strategy, trigger: trigger, action: action, actionIndex: index, profile: profile, migration: migration,
                event: event?.event, idempotencyKey: key, firedAt: at, predictions: predictions)
            let message = try renderer.message(for: context)
            actions.append(NewAction(
                idempotencyKey: key, channel: action.channel, template: action.template,
                status: trigger.wait == nil ? .pending : .waiting, dueAt: trigger.wait.map { at + $0 } ?? at, message: message))
        }
        return NewFiring(
            strategy: entry.strategy.id, trigger: trigger.id, profileId: profileId, migrationIndex: migrationIndex,
            eventSeq: migration == nil ? event?.seq : nil, at: at, goal: entry.strategy.policy.goal, actions: actions)
    }

    /// What templates and payloads see of the models: the customer's predictions at `at` and, for a lifecycle
    /// migration, V(to) − V(from) of its stages from the same fit.
    private func predictions(of profileId: Int64, at: Timestamp, migration: Migration?, model: ModelFit?) async throws
        -> RenderContext.Predictions?
    {
        guard let model else { return nil }
        let predicted = model.predictions(for: try await store.purchases(ofProfile: profileId), at: at)
        return RenderContext.Predictions(
            pAlive: predicted?.probabilityAlive, expectedPurchases: predicted?.expectedPurchases,
            expectedValue: predicted?.expectedSpend, clv: predicted?.lifetimeValue,
            valueAtStake: migration.flatMap { model.valueAtStake(set: $0.set, from: $0.from, to: $0.to) })
    }

    private func lastFiring(_ entry: TriggerCatalog.Entry, profileId: Int64, inStep: Timestamp?) async throws -> Timestamp? {
        if let inStep { return inStep }
        if case .oncePerMigration = entry.trigger.reentry { return nil }
        return try await store.firings(strategy: entry.strategy.id, trigger: entry.trigger.id, profileId: profileId, limit: 1).first?.at
    }

    public func resolveWaits(engine: SegmentationEngine, now: Timestamp) async throws {
        while true {
            let due = try await store.dueWaits(now: now, limit: 500)
            guard !due.isEmpty else { return }
            var decisions: [(id: Int64, release: Bool, reason: String?)] = []
            for row in due {
                guard let entry = catalog.entry(strategy: row.strategy, trigger: row.trigger) else {
                    decisions.append((row.id, false, "trigger \(row.strategy)/\(row.trigger) is no longer configured"))
                    continue
                }
                if !entry.trigger.recheck || stillMatches(entry, profileId: row.profileId, engine: engine, now: now) {
                    decisions.append((row.id, true, nil))
                } else {
                    decisions.append((row.id, false, "no_longer_matches"))
                }
            }
            try await store.resolveWaits(decisions, now: now)
        }
    }

    /// After a wait: the customer is still where the trigger put them, and its `if:` still holds.
    private func stillMatches(_ entry: TriggerCatalog.Entry, profileId: Int64, engine: SegmentationEngine, now: Timestamp) -> Bool {
        switch entry.trigger.on {
        case .migration(let set, _, let to):
            guard let stage = engine.placement(of: profileId, in: set) else { return false }
            if let to, !to.contains("*"), !to.contains(stage) { return false }
        case .enter(let segment):
            if engine.placement(of: profileId, in: segment) == nil { return false }
        case .exit(let segment):
            if engine.placement(of: profileId, in: segment) != nil { return false }
        case .event:
            break
        }
        if let condition = entry.conditionIndex { return engine.holds(condition: condition, profileId: profileId, at: now) }
        return true
    }

    /// Stable across retries and restarts: strategy, trigger, customer, cause (migration or event) and action index.
    static func idempotencyKey(strategy: String, trigger: String, profileId: Int64, cause: String, index: Int) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in cause.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return "\(strategy).\(trigger).\(profileId).\(String(hash, radix: 16)).\(index)"
    }
}
