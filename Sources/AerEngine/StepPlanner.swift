public import AerCore
public import AerStore

/// Acts on what the engine found, in the same transaction: the automation plugs in here to turn
/// migrations and events into trigger firings and outbox rows, and to re-check waits that came due.
public protocol StepPlanner: Sendable {
    /// Adds firings (and goal conversions) to `step` before it commits.
    /// - Parameters:
    ///   - step: the engine's commit, with its migrations.
    ///   - events: the events folded in during this step.
    ///   - engine: the engine after the step, for `if:` conditions.
    func plan(_ step: inout SegmentationCommit, events: [StoredEvent], engine: SegmentationEngine) async throws

    /// Re-checks outbox rows whose `wait:` has elapsed at `now`: each is released or skipped.
    func resolveWaits(engine: SegmentationEngine, now: Timestamp) async throws
}
