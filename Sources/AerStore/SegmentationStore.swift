public import AerCore

/// What the segmentation engine reads and writes. Part of `Store`; a separate protocol so the engine's
/// needs are visible in one place.
public protocol SegmentationStore: Sendable {
    /// Events after log position `seq`, in log order, at most `limit`.
    func events(after seq: Int64, limit: Int) async throws -> [StoredEvent]

    /// One customer's events in log order (to rebuild state after a merge).
    func events(ofProfile profileId: Int64) async throws -> [StoredEvent]

    /// The highest log position written so far (0 when empty).
    func lastEventSeq() async throws -> Int64

    /// Profile merges recorded after merge position `seq`.
    func merges(after seq: Int64) async throws -> [ProfileMerge]

    /// Profiles erased after erasure position `seq`, in order: (position, profile id).
    func erasures(after seq: Int64) async throws -> [(seq: Int64, profileId: Int64)]

    /// Every stored membership, by profile (to restore the engine after a restart).
    func allMemberships() async throws -> [Int64: [StoredMembership]]

    /// Timers due at or before `instant`, earliest first, at most `limit`.
    func dueTimers(until instant: Timestamp, limit: Int) async throws -> [DueTimer]

    /// The earliest pending timer, if any.
    func nextTimer() async throws -> Timestamp?

    /// A value the engine keeps between runs (cursor, rules fingerprint).
    func engineValue(_ key: String) async throws -> String?

    /// Writes one step of the engine atomically: migrations, membership changes, timers and cursors.
    /// - Returns: the ids assigned to the migrations, in order.
    @discardableResult
    func commit(_ step: SegmentationCommit) async throws -> [Int64]
}

/// A recorded merge of profile `from` into `into`.
public struct ProfileMerge: Sendable, Hashable {
    public var seq: Int64
    public var from: Int64
    public var into: Int64

    public init(seq: Int64, from: Int64, into: Int64) {
        self.seq = seq
        self.from = from
        self.into = into
    }
}

/// A stored membership row.
public struct StoredMembership: Sendable, Hashable {
    public var set: String
    public var kind: MembershipKind
    public var stage: String
    public var since: Timestamp

    public init(set: String, kind: MembershipKind, stage: String, since: Timestamp) {
        self.set = set
        self.kind = kind
        self.stage = stage
        self.since = since
    }
}

/// A timer that came due.
public struct DueTimer: Sendable, Hashable {
    public var profileId: Int64
    public var due: Timestamp

    public init(profileId: Int64, due: Timestamp) {
        self.profileId = profileId
        self.due = due
    }
}

/// One atomic write of the engine.
public struct SegmentationCommit: Sendable {
    /// Migrations to record; memberships are updated from them (`to` nil removes the membership).
    public var migrations: [Migration] = []
    /// Timers to set (profile → due) or clear (nil).
    public var timers: [Int64: Timestamp?] = [:]
    /// Profiles whose engine rows are dropped entirely (merged away).
    public var removedProfiles: [Int64] = []
    /// Engine key/values to set (cursor, merge cursor, fingerprint).
    public var values: [String: String] = [:]
    /// When set, memberships of every other set or segment are deleted (they left the configuration).
    public var keepOnlySets: [String]? = nil
    /// Trigger firings and their outbox rows, written in the same transaction as the migrations.
    public var firings: [NewFiring] = []
    /// Events that may convert open goals: (profile, event name, event time).
    public var goalEvents: [(profileId: Int64, name: String, at: Timestamp)] = []

    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool {
        migrations.isEmpty && timers.isEmpty && removedProfiles.isEmpty && values.isEmpty && keepOnlySets == nil && firings.isEmpty
            && goalEvents.isEmpty
    }
}
