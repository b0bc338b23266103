public import AerCore
public import AerStore

/// Decides, just before sending, whether a claimed row may go out. aerd's policy pipeline
/// (consent → suppression → holdout → frequency cap → quiet hours → dedup) implements this.
///
/// The dispatcher calls it once per attempt, after the row is claimed and before it waits for the channel's
/// rate limit. An error thrown here is never the row's end: the row is retried later.
public protocol DeliveryGate: Sendable {
    /// Whether `entry` may be sent now.
    /// - Parameters:
    ///   - entry: the claimed row, with its rendered message.
    ///   - channel: the channel it goes through, with its consent policy.
    ///   - now: the dispatcher's clock.
    /// - Returns: the decision.
    func check(_ entry: OutboxEntry, channel: ConfiguredChannel, now: Timestamp) async throws -> GateDecision
}

/// What the gate decided for one row.
public enum GateDecision: Sendable, Hashable {
    /// Send it.
    case send
    /// Never send it; recorded as `skipped` with the reason (consent, suppressed, frequency_cap, duplicate, …).
    case skip(reason: String)
    /// The customer is in the strategy's control group: recorded as `held_out`, not sent.
    case holdOut
    /// Not now (quiet hours): pending again at the instant, without counting an attempt.
    case deferUntil(Timestamp)

    /// The outbox outcome the decision records, or nil for `.send`.
    public var outcome: OutboxOutcome? {
        switch self {
        case .send: nil
        case .skip(let reason): .skipped(reason: reason)
        case .holdOut: .heldOut
        case .deferUntil(let instant): .deferred(until: instant)
        }
    }
}

/// A gate that lets everything through: for running without the policy pipeline, and for tests.
public struct OpenGate: DeliveryGate {
    /// The open gate.
    public init() {}

    /// - Returns: always `.send`.
    public func check(_ entry: OutboxEntry, channel: ConfiguredChannel, now: Timestamp) async throws -> GateDecision { .send }
}
