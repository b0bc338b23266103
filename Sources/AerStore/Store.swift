public import AerCore
public import AerJSON

/// Everything aerd keeps durably. The embedded default is `SQLiteStore`; a PostgreSQL backend for
/// several daemons on one database implements the same protocol.
public protocol Store: EventLog, SegmentationStore, AdminQueries, OutboxStore, ModelStore {
    /// The profile known by `identifier`: a profile id (`"42"`), a userId, or an anonymousId, in that order.
    func profile(matching identifier: String) async throws -> ProfileRecord?

    /// The number of events in the log.
    func eventCount() async throws -> Int

    /// Forgets a customer (see `SQLiteStore.erase`); nil when no profile has the id.
    func erase(profileId: Int64, suppress: Bool, actor: String, now: Timestamp) async throws -> ErasureSummary?

    /// Appends to the audit log of admin actions.
    func audit(actor: String, action: String, detail: String, now: Timestamp) async throws

    /// Flushes and closes the store; later calls fail.
    func close() async throws
}

/// A customer profile as stored: identities, traits and when the customer was seen.
public struct ProfileRecord: Sendable, Hashable {
    /// Stable internal id; survives the customer being identified, changes only when two profiles merge.
    public var id: Int64
    public var userIds: [String]
    public var anonymousIds: [String]
    public var traits: JSONObject
    /// Event time of the customer's earliest event.
    public var firstSeen: Timestamp
    /// Event time of the customer's latest event.
    public var lastSeen: Timestamp
    public var eventCount: Int

    public init(id: Int64, userIds: [String], anonymousIds: [String], traits: JSONObject, firstSeen: Timestamp, lastSeen: Timestamp, eventCount: Int) {
        self.id = id
        self.userIds = userIds
        self.anonymousIds = anonymousIds
        self.traits = traits
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.eventCount = eventCount
    }

    /// The profile as the admin API shows it.
    public var json: JSONValue {
        [
            "id": .string(String(id)),
            "userIds": .array(userIds.map(JSONValue.string)),
            "anonymousIds": .array(anonymousIds.map(JSONValue.string)),
            "traits": .object(traits),
            "firstSeen": .string(firstSeen.iso8601),
            "lastSeen": .string(lastSeen.iso8601),
            "eventCount": .number(Double(eventCount)),
        ]
    }
}

/// A store failure, with what the operator should do about it.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The database file could not be opened or created.
        case cannotOpen
        /// The schema is newer than this binary understands.
        case schemaTooNew
        /// A read or write failed.
        case io
        /// The store was closed.
        case closed
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
