public import AerCore
public import AerStore

/// Drives the engine over the store: rebuilds state at start, consumes the event log after its cursor,
/// fires due timers at their own instants, follows profile merges, and commits each step atomically.
///
/// Used by the daemon (wall clock) and by `aerd simulate` (virtual clock).
public struct SegmentationRunner: Sendable {
    /// Keys in the store's engine state.
    enum Key {
        static let cursor = "cursor"
        static let mergeCursor = "merge_cursor"
        static let fingerprint = "rules_fingerprint"
        /// The model fit the stored memberships reflect.
        static let modelFit = "model_fit"
    }

    public private(set) var engine: SegmentationEngine
    private let store: any Store
    private let fingerprint: String
    /// Last event folded into the engine.
    public private(set) var cursor: Int64 = 0
    private var mergeCursor: Int64 = 0
    /// The last erasure the engine has forgotten (not persisted: a restart rebuilds from what is left).
    private var erasureCursor: Int64 = 0
    /// Events and timers handled per transaction.
    public var batchSize = 1000
    /// Turns migrations and events into actions in the same transaction (the automation).
    public var planner: (any StepPlanner)?

    /// - Parameters:
    ///   - store: the event log and engine tables.
    ///   - rules: the compiled segments and lifecycle sets.
    public init(store: any Store, rules: RuleSet) {
        self.store = store
        engine = SegmentationEngine(rules: rules)
        fingerprint = rules.fingerprint
    }

    /// Rebuilds engine state from the log up to the stored cursor, restores memberships, and, when the
    /// rules changed since the last run, re-evaluates every customer at `now` (cause `config`).
    /// - Parameter progress: called after each page of replayed events (a rebuild of a large log takes a while,
    ///   and the watchdog must see that it advances).
    /// - Returns: the migrations the configuration change caused.
    public mutating func start(now: Timestamp, progress: () -> Void = {}) async throws -> [Migration] {
        // Read before the replay: the rebuilt state lacks every customer erased so far, and one erased while
        // the log replays is forgotten by the next `forgetErased()`.
        erasureCursor = try await store.erasures(after: 0).last?.seq ?? 0
        cursor = try await Self.committedCursor(in: store)
        mergeCursor = Int64(try await store.engineValue(Key.mergeCursor) ?? "0") ?? 0
        let previousFingerprint = try await store.engineValue(Key.fingerprint)
        var position: Int64 = 0
        while position < cursor {
            let page = try await store.events(after: position, limit: 5000)
            guard !page.isEmpty else { break }
            for stored in page where stored.seq <= cursor { engine.replay(stored) }
            position = page.last!.seq
            progress()
        }
        for (profile, memberships) in try await store.allMemberships() {
            engine.restore(profile, memberships: memberships.map { Membership(set: $0.set, kind: $0.kind, stage: $0.stage) })
        }
        let fit = try await store.latestModelFit()
        engine.adopt(fit)
        var migrations = try await followMerges(now: now)
        if previousFingerprint != fingerprint {
            let keep = engine.rules.targetIds
            migrations += try await reevaluateAll(now: now, cause: .config, progress: progress) { [fingerprint] last in
                last.values[Key.fingerprint] = fingerprint
                last.values[Key.modelFit] = fit.map { String($0.id) }
                last.keepOnlySets = keep
            }
        } else if try await store.engineValue(Key.modelFit) != fit.map({ String($0.id) }) {
            migrations += try await reevaluateForModel(now: now, progress: progress)
        }
        return migrations
    }

    /// The last event the engine has committed as folded in (0 before its first step), as the store holds it.
    public static func committedCursor(in store: any SegmentationStore) async throws -> Int64 {
        Int64(try await store.engineValue(Key.cursor) ?? "0") ?? 0
    }

    /// Picks up a refit: when the store's latest fit is not the one the engine holds, adopts it and, if some
    /// rule reads a prediction, re-evaluates every customer at `now` (cause `model`).
    /// - Parameter progress: called after each commit of the re-evaluation.
    /// - Returns: the migrations the new model caused.
    public mutating func refreshModel(now: Timestamp, progress: () -> Void = {}) async throws -> [Migration] {
        guard try await store.latestModelFitId() != engine.model?.id else { return [] }
        engine.adopt(try await store.latestModelFit())
        return try await reevaluateForModel(now: now, progress: progress)
    }

    private mutating func reevaluateForModel(now: Timestamp, progress: () -> Void) async throws -> [Migration] {
        let fit = engine.model.map { String($0.id) }
        guard engine.rules.usesPredictions else {
            var step = SegmentationCommit()
            step.values[Key.modelFit] = fit
            try await commit(&step)
            return []
        }
        return try await reevaluateAll(now: now, cause: .model, progress: progress) { $0.values[Key.modelFit] = fit }
    }

    /// Re-evaluates every customer at `now`, `batchSize` customers per commit, so no transaction grows with the
    /// store and `progress` runs between commits. `finish` adds to the last commit what marks the work done;
    /// a restart midway does it again, which changes nothing for the customers already re-evaluated.
    private mutating func reevaluateAll(
        now: Timestamp, cause: MigrationCause, progress: () -> Void, finish: (inout SegmentationCommit) -> Void
    ) async throws -> [Migration] {
        let profiles = engine.profileIds
        var migrations: [Migration] = []
        var start = 0
        repeat {
            var step = SegmentationCommit()
            let end = min(start + batchSize, profiles.count)
            for profile in profiles[start..<end] { record(engine.reevaluate(profile, at: now, cause: cause), into: &step) }
            start = end
            if start == profiles.count { finish(&step) }
            try await commit(&step)
            migrations += step.migrations
            progress()
        } while start < profiles.count
        return migrations
    }

    /// Re-evaluates customers whose timers are due at or before `instant`, each at its own due instant.
    /// - Returns: the migrations, in order.
    public mutating func fireTimers(until instant: Timestamp) async throws -> [Migration] {
        var migrations: [Migration] = []
        while true {
            let due = try await store.dueTimers(until: instant, limit: batchSize)
            guard !due.isEmpty else { break }
            var step = SegmentationCommit()
            for timer in due {
                record(engine.fire(timer.profileId, at: timer.due), into: &step)
            }
            try await commit(&step)
            migrations += step.migrations
        }
        return migrations
    }

    /// Folds in events after the cursor, up to `batchSize`, each evaluated at `now(event)`.
    /// - Parameters:
    ///   - clock: the current instant, for re-evaluating merged profiles.
    ///   - now: the evaluation instant of each event.
    /// - Returns: the migrations, and how many events were read.
    public mutating func processEvents(clock: Timestamp, now: (StoredEvent) -> Timestamp) async throws -> (migrations: [Migration], read: Int) {
        let merged = try await followMerges(now: clock)
        let page = try await store.events(after: cursor, limit: batchSize)
        guard !page.isEmpty else { return (merged, 0) }
        var step = SegmentationCommit()
        for stored in page {
            record(engine.apply(stored, now: now(stored)), into: &step)
            cursor = stored.seq
        }
        step.values[Key.cursor] = String(cursor)
        try await commit(&step, events: page)
        return (merged + step.migrations, page.count)
    }

    /// Replays the whole log on a virtual clock: the clock follows event time (never going back), every
    /// timer fires at its instant between events, and after the last event the clock runs on to `end`.
    /// - Returns: every migration, in the order it happened.
    public mutating func simulate(until end: Timestamp) async throws -> [Migration] {
        var migrations: [Migration] = []
        var now = Timestamp(millis: .min)
        // Events read but not yet applied: a step mostly ends at a timer long before the page does, and the rest
        // of the page waits here rather than being read and decoded again, so the log is read once.
        var page: ArraySlice<StoredEvent> = []
        while true {
            if page.isEmpty { page = try await store.events(after: cursor, limit: batchSize)[...] }
            guard let first = page.first else { break }
            let nextDue = try await store.nextTimer()
            // Events up to the next due timer go in one step; a timer due first fires first.
            if let nextDue, nextDue <= max(now, first.event.timestamp) {
                migrations += try await advance(to: max(now, first.event.timestamp))
                continue
            }
            var step = SegmentationCommit()
            var due = nextDue ?? .init(millis: .max)
            var applied: [StoredEvent] = []
            for stored in page {
                let instant = max(now, stored.event.timestamp)
                if instant >= due { break }
                now = instant
                let result = engine.apply(stored, now: now)
                record(result, into: &step)
                if let next = result.nextTimer { due = min(due, next) }
                cursor = stored.seq
                applied.append(stored)
            }
            page.removeFirst(applied.count)
            step.values[Key.cursor] = String(cursor)
            try await commit(&step, events: applied)
            migrations += step.migrations
        }
        migrations += try await advance(to: end)
        return migrations
    }

    /// Moves a simulation's clock to `instant`: timers and elapsed waits are handled in the order they
    /// fall due, each at its own instant, so a wait is re-checked against the state at its end.
    private mutating func advance(to instant: Timestamp) async throws -> [Migration] {
        var migrations: [Migration] = []
        while true {
            let timer = try await store.nextTimer()
            let wait = planner == nil ? nil : try await store.dueWaits(now: instant, limit: 1).first?.dueAt
            guard let next = [timer, wait].compactMap({ $0 }).filter({ $0 <= instant }).min() else { break }
            if let wait, wait == next {
                try await resolveWaits(now: wait)
            } else {
                migrations += try await fireTimers(until: next)
            }
        }
        return migrations
    }

    /// Applies profile merges recorded since the last look: the merged-away profile's rows go, and the
    /// surviving profile is rebuilt from its (now combined) events and re-evaluated.
    private mutating func followMerges(now: Timestamp) async throws -> [Migration] {
        let merges = try await store.merges(after: mergeCursor)
        guard !merges.isEmpty else { return [] }
        var step = SegmentationCommit()
        for merge in merges {
            let kept = engine.memberships(of: merge.into)
            engine.remove(merge.from)
            engine.remove(merge.into)
            for stored in try await store.events(ofProfile: merge.into) where stored.seq <= cursor {
                engine.replay(stored)
            }
            engine.restore(merge.into, memberships: kept)
            step.removedProfiles.append(merge.from)
            record(engine.reevaluate(merge.into, at: now, cause: .merge), into: &step)
            mergeCursor = merge.seq
        }
        step.values[Key.mergeCursor] = String(mergeCursor)
        try await commit(&step)
        return step.migrations
    }

    /// Forgets customers erased since the last look: their state leaves memory, so no later re-evaluation
    /// (a refit, a merge) brings them back. Call it first in each step.
    public mutating func forgetErased() async throws {
        let erasures = try await store.erasures(after: erasureCursor)
        guard !erasures.isEmpty else { return }
        var step = SegmentationCommit()
        for erasure in erasures {
            engine.remove(erasure.profileId)
            step.removedProfiles.append(erasure.profileId)
            erasureCursor = erasure.seq
        }
        try await commit(&step)
    }

    /// Lets the planner add its rows, then commits the step.
    private func commit(_ step: inout SegmentationCommit, events: [StoredEvent] = []) async throws {
        if let planner { try await planner.plan(&step, events: events, engine: engine) }
        try await store.commit(step)
    }

    /// Re-checks waits that came due at `now` (no-op without a planner).
    public func resolveWaits(now: Timestamp) async throws {
        try await planner?.resolveWaits(engine: engine, now: now)
    }

    private func record(_ result: EvaluationResult, into step: inout SegmentationCommit) {
        step.migrations += result.migrations
        step.timers[result.profileId] = .some(result.nextTimer)
    }
}
