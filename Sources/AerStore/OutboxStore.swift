public import AerCore
public import AerJSON

/// Where an outbox row stands.
public enum OutboxStatus: String, Sendable, Hashable, CaseIterable {
    /// A trigger's `wait:` has not elapsed; the engine re-checks the customer when it has.
    case waiting
    /// Due for the dispatcher at `dueAt` (first attempt, a retry, or after quiet hours).
    case pending
    /// Claimed by a dispatcher under a lease.
    case sending
    /// Delivered; `receipt` holds the provider's answer.
    case sent
    /// A policy stopped it; `reason` says which (consent, suppressed, frequency_cap, …).
    case skipped
    /// The customer is in the strategy's control group: recorded, not sent.
    case heldOut = "held_out"
    /// Failed permanently or ran out of attempts; `POST /v1/outbox/{id}/retry` sends it again.
    case dead
}

/// One action of one firing: a message to send through a channel.
public struct OutboxEntry: Sendable, Hashable {
    public var id: Int64
    public var firingId: Int64
    /// Derived from strategy, trigger, customer, migration (or event) and action index; the same on every attempt.
    public var idempotencyKey: String
    public var strategy: String
    public var trigger: String
    public var actionIndex: Int
    public var profileId: Int64
    public var channel: String
    public var template: String
    public var status: OutboxStatus
    /// Skip reason or last error.
    public var reason: String?
    public var dueAt: Timestamp
    /// Delivery attempts made so far (a claim counts one).
    public var attempts: Int
    /// The rendered message (recipient, subject, text, html, params, payload).
    public var message: JSONObject
    public var receipt: JSONObject?
    public var createdAt: Timestamp
    public var sentAt: Timestamp?

    public init(id: Int64, firingId: Int64, idempotencyKey: String, strategy: String, trigger: String, actionIndex: Int,
                profileId: Int64, channel: String, template: String, status: OutboxStatus, reason: String?, dueAt: Timestamp,
                attempts: Int, message: JSONObject, receipt: JSONObject?, createdAt: Timestamp, sentAt: Timestamp?) {
        self.id = id
        self.firingId = firingId
        self.idempotencyKey = idempotencyKey
        self.strategy = strategy
        self.trigger = trigger
        self.actionIndex = actionIndex
        self.profileId = profileId
        self.channel = channel
        self.template = template
        self.status = status
        self.reason = reason
        self.dueAt = dueAt
        self.attempts = attempts
        self.message = message
        self.receipt = receipt
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}

/// How a dispatch attempt ended.
public enum OutboxOutcome: Sendable, Hashable {
    case sent(receipt: JSONObject)
    /// A transient failure: try again at `at`.
    case retry(at: Timestamp, error: String)
    /// A permanent failure or the last attempt failed.
    case dead(error: String)
    case skipped(reason: String)
    case heldOut
    /// Not now (quiet hours): pending again at `until`, without counting an attempt.
    case deferred(until: Timestamp)
}

/// A trigger firing to record, with its actions; written in the engine's transaction.
public struct NewFiring: Sendable, Hashable {
    public var strategy: String
    public var trigger: String
    public var profileId: Int64
    /// Index into the commit's `migrations` of the migration that fired it, if one did.
    public var migrationIndex: Int?
    /// The log position of the event that fired it, for event triggers.
    public var eventSeq: Int64?
    public var at: Timestamp
    public var goal: Goal?
    public var actions: [NewAction]

    public init(strategy: String, trigger: String, profileId: Int64, migrationIndex: Int?, eventSeq: Int64?, at: Timestamp, goal: Goal?, actions: [NewAction]) {
        self.strategy = strategy
        self.trigger = trigger
        self.profileId = profileId
        self.migrationIndex = migrationIndex
        self.eventSeq = eventSeq
        self.at = at
        self.goal = goal
        self.actions = actions
    }
}

/// One action of a new firing.
public struct NewAction: Sendable, Hashable {
    public var idempotencyKey: String
    public var channel: String
    public var template: String
    /// `waiting` when the trigger has a wait, else `pending`.
    public var status: OutboxStatus
    public var dueAt: Timestamp
    public var message: JSONObject

    public init(idempotencyKey: String, channel: String, template: String, status: OutboxStatus, dueAt: Timestamp, message: JSONObject) {
        self.idempotencyKey = idempotencyKey
        self.channel = channel
        self.template = template
        self.status = status
        self.dueAt = dueAt
        self.message = message
    }
}

/// A previous firing of a trigger, for re-entry rules.
public struct FiringRecord: Sendable, Hashable {
    public var id: Int64
    public var migrationId: Int64?
    public var at: Timestamp

    public init(id: Int64, migrationId: Int64?, at: Timestamp) {
        self.id = id
        self.migrationId = migrationId
        self.at = at
    }
}

/// How many due rows one claim may take from each channel, so that a dispatcher takes only what it can start
/// at once and a slow or rate-limited channel does not crowd the others out.
public struct ClaimQuotas: Sendable, Hashable {
    /// At most this many rows of each listed channel (a channel with 0 is left alone).
    public var perChannel: [String: Int]
    /// At most this many rows, together, of the channels not listed (unknown or disabled channels).
    public var otherChannels: Int

    /// - Parameters:
    ///   - perChannel: the most rows to take of each listed channel.
    ///   - otherChannels: the most rows to take, together, of channels not listed.
    public init(perChannel: [String: Int], otherChannels: Int = 0) {
        self.perChannel = perChannel
        self.otherChannels = otherChannels
    }
}

/// What the automation and the dispatcher read and write.
public protocol OutboxStore: Sendable {
    /// Claims up to `limit` rows due at `now` (pending, or sending with an expired lease — a dispatcher
    /// that died mid-send), marks them `sending` under `owner` until `now + lease`, and counts an attempt.
    func claimDue(now: Timestamp, limit: Int, owner: String, lease: AerDuration) async throws -> [OutboxEntry]

    /// Claims like `claimDue(now:limit:owner:lease:)`, but at most `quotas.perChannel[c]` rows of each listed
    /// channel `c` and `quotas.otherChannels` rows of all other channels, in one transaction.
    func claimDue(now: Timestamp, owner: String, lease: AerDuration, quotas: ClaimQuotas) async throws -> [OutboxEntry]

    /// Records the outcome of a claimed row; ignored unless `owner` still holds its lease.
    /// - Returns: whether the row was updated.
    @discardableResult
    func finish(_ id: Int64, owner: String, outcome: OutboxOutcome, now: Timestamp) async throws -> Bool

    /// Releases every lease `owner` holds (graceful shutdown): the rows are pending again, due now.
    func releaseLeases(owner: String, now: Timestamp) async throws

    /// The earliest due instant of a pending row.
    func nextDue() async throws -> Timestamp?

    /// Rows `waiting` whose wait has elapsed at `now`, earliest first.
    func dueWaits(now: Timestamp, limit: Int) async throws -> [OutboxEntry]

    /// Resolves waits after the engine re-checked them: each becomes pending (due at its instant) or skipped.
    func resolveWaits(_ decisions: [(id: Int64, release: Bool, reason: String?)], now: Timestamp) async throws

    /// Messages sent to a customer since `since`, on one channel or on all.
    func sentCount(profileId: Int64, channels: [String]?, since: Timestamp) async throws -> Int

    /// Whether another row with this template went to the customer on this channel since `since`.
    func sentDuplicate(of entry: OutboxEntry, since: Timestamp) async throws -> Bool

    /// Whether the customer or one of their addresses is on the suppression list.
    func isSuppressed(profileId: Int64, email: String?, phone: String?) async throws -> Bool

    /// Whether the customer (or their address) has opted out of channels of type `channelType`.
    func hasOptedOut(channelType: String, profileId: Int64, address: String?) async throws -> Bool

    /// Previous firings of a trigger for a customer, newest first.
    func firings(strategy: String, trigger: String, profileId: Int64, limit: Int) async throws -> [FiringRecord]

    /// Outbox rows for the admin API, by ascending id after `after`.
    func outbox(status: OutboxStatus?, strategy: String?, after: Int64, limit: Int) async throws -> [OutboxEntry]

    /// Makes a dead row pending again, due now. Returns false if it is not dead.
    func retryDead(_ id: Int64, now: Timestamp) async throws -> Bool

    /// Adds (or replaces) a suppression.
    func suppress(kind: String, value: String, reason: String?, now: Timestamp) async throws

    /// Removes a suppression; returns whether it existed.
    func unsuppress(kind: String, value: String) async throws -> Bool

    /// Records an opt-out (or opt-in, `optedOut: false`) of channels of a type for an address
    /// (`customer:<profile id>`, an email or a phone number).
    func setOptOut(channelType: String, address: String, optedOut: Bool, source: String, now: Timestamp) async throws
}
