/// An event as it sits in the log: its log position and the profile it belongs to.
public struct StoredEvent: Sendable, Hashable {
    /// Position in the event log; the engine consumes the log in this order.
    public var seq: Int64
    /// The profile identity resolution assigned it to.
    public var profileId: Int64
    public var event: Event

    public init(seq: Int64, profileId: Int64, event: Event) {
        self.seq = seq
        self.profileId = profileId
        self.event = event
    }
}

/// Why a customer moved.
public enum MigrationCause: Sendable, Hashable, CustomStringConvertible {
    /// An event (its log sequence number and messageId).
    case event(seq: Int64, messageId: String)
    /// Time passed: a window closed, a since-last bound was reached.
    case timer
    /// A configuration change recomputed memberships; triggers ignore these unless `on_backfill: true`.
    case config
    /// Two profiles were merged.
    case merge
    /// A refit of the customer-value models changed a prediction a rule reads (`predicted:`).
    case model

    /// `event`, `timer`, `config`, `merge` or `model`.
    public var kind: String {
        switch self {
        case .event: "event"
        case .timer: "timer"
        case .config: "config"
        case .merge: "merge"
        case .model: "model"
        }
    }

    public var description: String {
        switch self {
        case .event(let seq, let messageId): "event \(seq) (\(messageId))"
        default: kind
        }
    }
}

/// Whether a migration is a lifecycle stage move or a plain segment's enter/exit.
public enum MembershipKind: String, Sendable, Hashable {
    case lifecycle, segment
}

/// A customer moved: between two stages of a lifecycle set, or into or out of a plain segment.
///
/// For a segment, entering is `from: nil, to: segment` and exiting `from: segment, to: nil`; for a
/// lifecycle set, `from` is nil only for the customer's first placement.
public struct Migration: Sendable, Hashable {
    /// Assigned by the store when recorded; 0 before.
    public var id: Int64
    public var profileId: Int64
    /// The lifecycle set or segment id.
    public var set: String
    public var kind: MembershipKind
    public var from: String?
    public var to: String?
    /// The instant the rule flipped (not when the engine noticed).
    public var at: Timestamp
    public var cause: MigrationCause

    public init(id: Int64 = 0, profileId: Int64, set: String, kind: MembershipKind, from: String?, to: String?, at: Timestamp, cause: MigrationCause) {
        self.id = id
        self.profileId = profileId
        self.set = set
        self.kind = kind
        self.from = from
        self.to = to
        self.at = at
        self.cause = cause
    }
}
