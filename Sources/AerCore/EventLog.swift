/// The durable, append-only log every ingest path writes to.
///
/// `append` returns only after the events are committed: an acknowledged event is never lost.
/// The call is atomic: either every new event of `events` is stored, or none is.
public protocol EventLog: Sendable {
    /// Stores the events whose (source, messageId) is new, in order; re-sent ones are counted as duplicates.
    func append(_ events: [Event]) async throws -> AppendOutcome
}

/// What an append did.
public struct AppendOutcome: Sendable, Hashable {
    /// Events newly stored.
    public var stored: Int
    /// Events dropped because their (source, messageId) was already stored.
    public var duplicates: Int

    public init(stored: Int, duplicates: Int) {
        self.stored = stored
        self.duplicates = duplicates
    }
}
