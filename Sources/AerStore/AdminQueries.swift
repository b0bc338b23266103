public import AerCore

/// Read-only queries behind the admin API and the reports.
public protocol AdminQueries: Sendable {
    /// A customer's current memberships.
    func memberships(ofProfile profileId: Int64) async throws -> [StoredMembership]

    /// A customer's most recent migrations, newest first.
    func migrations(ofProfile profileId: Int64, limit: Int) async throws -> [Migration]

    /// Member counts: set or segment id → stage (or segment id) → customers.
    func memberCounts() async throws -> [String: [String: Int]]

    /// Customers in a set (optionally one stage of it), by ascending profile id after `cursor`.
    func members(of set: String, stage: String?, after cursor: Int64, limit: Int) async throws -> [Int64]

    /// Migrations matching `query`, by ascending id after its cursor.
    func migrations(matching query: MigrationQuery) async throws -> [Migration]

    /// Counts of migrations from → to in a set over a period (`from` nil for first placements).
    func migrationCounts(set: String, since: Timestamp, until: Timestamp) async throws -> [MigrationCount]

    /// Customers per stage of a set at an instant in the past, reconstructed from migrations.
    func stageCounts(set: String, at instant: Timestamp) async throws -> [String: Int]

    /// Revenue (`properties.revenue` of `Order Completed`) in a period, by the stage of `set` the customer
    /// was in when ordering (nil: not yet placed).
    func stageRevenue(set: String, since: Timestamp, until: Timestamp) async throws -> [String?: Double]

    /// Every firing in a period with the fate of its actions, for the campaign report.
    func firingOutcomes(since: Timestamp, until: Timestamp) async throws -> [FiringOutcome]

    /// The display ids (first userId, else first anonymousId) of these profiles.
    func displayIds(of profileIds: [Int64]) async throws -> [Int64: String]

    /// What is waiting to be worked off, for monitoring, read in one transaction.
    /// - Parameters:
    ///   - cursor: the last event the engine has committed as folded in.
    ///   - now: timers due at or before it count as due.
    func backlog(afterEvent cursor: Int64, now: Timestamp) async throws -> Backlog
}

/// What is waiting for the engine and the dispatcher.
public struct Backlog: Sendable, Hashable {
    /// Outbox rows per status, every status present (zero when there are none).
    public var outbox: [OutboxStatus: Int]
    /// When the oldest event after the engine's cursor was received; nil when the engine has caught up.
    public var oldestUnprocessedEvent: Timestamp?
    /// Customers whose time-driven re-evaluation is due.
    public var timersDue: Int

    /// - Parameters:
    ///   - outbox: rows per status.
    ///   - oldestUnprocessedEvent: when the oldest event the engine has not folded in was received.
    ///   - timersDue: customers whose re-evaluation is due.
    public init(outbox: [OutboxStatus: Int], oldestUnprocessedEvent: Timestamp?, timersDue: Int) {
        self.outbox = outbox
        self.oldestUnprocessedEvent = oldestUnprocessedEvent
        self.timersDue = timersDue
    }
}

/// Filters for `GET /v1/migrations`.
public struct MigrationQuery: Sendable, Hashable {
    public var since: Timestamp?
    public var until: Timestamp?
    public var set: String?
    public var from: String?
    public var to: String?
    public var profileId: Int64?
    /// Return migrations with an id greater than this.
    public var after: Int64 = 0
    public var limit: Int = 100

    public init(since: Timestamp? = nil, until: Timestamp? = nil, set: String? = nil, from: String? = nil, to: String? = nil,
                profileId: Int64? = nil, after: Int64 = 0, limit: Int = 100) {
        self.since = since
        self.until = until
        self.set = set
        self.from = from
        self.to = to
        self.profileId = profileId
        self.after = after
        self.limit = limit
    }
}

/// How many customers moved from → to.
public struct MigrationCount: Sendable, Hashable {
    public var from: String?
    public var to: String?
    public var count: Int

    public init(from: String?, to: String?, count: Int) {
        self.from = from
        self.to = to
        self.count = count
    }
}

/// One firing and what became of its actions.
public struct FiringOutcome: Sendable, Hashable {
    public var strategy: String
    public var trigger: String
    /// Whether the strategy's goal event followed within its window.
    public var converted: Bool
    /// Action counts by final status (`sent`, `held_out`, `dead`, `pending`, …).
    public var statuses: [String: Int]
    /// Skip reasons of skipped actions, with counts.
    public var skipReasons: [String: Int]

    public init(strategy: String, trigger: String, converted: Bool, statuses: [String: Int], skipReasons: [String: Int]) {
        self.strategy = strategy
        self.trigger = trigger
        self.converted = converted
        self.statuses = statuses
        self.skipReasons = skipReasons
    }
}
