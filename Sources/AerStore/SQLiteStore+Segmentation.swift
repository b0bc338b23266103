public import AerCore
import AerJSON
import GRDB

extension SQLiteStore {
    /// Runs a read, mapping failures to `StoreError`.
    func reading<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.ioError(error)
        }
    }

    static func storedEvent(_ row: Row) -> StoredEvent? {
        let body: String = row["body"]
        guard case .object(let object)? = try? JSONParser.parse(body),
            let event = Event(storedMessage: object, source: row["source"])
        else { return nil }
        return StoredEvent(seq: row["seq"], profileId: row["profile_id"], event: event)
    }

    public func events(after seq: Int64, limit: Int) async throws -> [StoredEvent] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, source, profile_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [seq, limit]
            ).compactMap(Self.storedEvent)
        }
    }

    public func events(ofProfile profileId: Int64) async throws -> [StoredEvent] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, source, profile_id, body FROM events WHERE profile_id = ? ORDER BY seq", arguments: [profileId]
            ).compactMap(Self.storedEvent)
        }
    }

    public func lastEventSeq() async throws -> Int64 {
        try await reading { try Int64.fetchOne($0, sql: "SELECT MAX(seq) FROM events") ?? 0 }
    }

    public func merges(after seq: Int64) async throws -> [ProfileMerge] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT seq, from_profile, into_profile FROM profile_merges WHERE seq > ? ORDER BY seq", arguments: [seq])
                .map { ProfileMerge(seq: $0["seq"], from: $0["from_profile"], into: $0["into_profile"]) }
        }
    }

    public func erasures(after seq: Int64) async throws -> [(seq: Int64, profileId: Int64)] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT seq, profile_id FROM profile_erasures WHERE seq > ? ORDER BY seq", arguments: [seq])
                .map { (seq: $0["seq"], profileId: $0["profile_id"]) }
        }
    }

    public func allMemberships() async throws -> [Int64: [StoredMembership]] {
        try await reading { db in
            var result: [Int64: [StoredMembership]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT profile_id, set_id, kind, stage, since FROM memberships")
            while let row = try rows.next() {
                result[row["profile_id"], default: []].append(Self.membership(row))
            }
            return result
        }
    }

    static func membership(_ row: Row) -> StoredMembership {
        StoredMembership(
            set: row["set_id"], kind: MembershipKind(rawValue: row["kind"]) ?? .segment, stage: row["stage"],
            since: Timestamp(millis: row["since"]))
    }

    public func dueTimers(until instant: Timestamp, limit: Int) async throws -> [DueTimer] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT profile_id, due_at FROM timers WHERE due_at <= ? ORDER BY due_at, profile_id LIMIT ?",
                arguments: [instant.millis, limit]
            ).map { DueTimer(profileId: $0["profile_id"], due: Timestamp(millis: $0["due_at"])) }
        }
    }

    public func nextTimer() async throws -> Timestamp? {
        try await reading { try Int64.fetchOne($0, sql: "SELECT MIN(due_at) FROM timers").map(Timestamp.init(millis:)) }
    }

    public func engineValue(_ key: String) async throws -> String? {
        try await reading { try String.fetchOne($0, sql: "SELECT value FROM engine_state WHERE key = ?", arguments: [key]) }
    }

    @discardableResult
    public func commit(_ step: SegmentationCommit) async throws -> [Int64] {
        guard !step.isEmpty else { return [] }
        do {
            let now = clock.now()
            return try await pool.write { db in try Self.write(step, db: db, now: now) }
        } catch {
            throw Self.ioError(error)
        }
    }

    /// The body of `commit`, for callers that add their own rows in the same transaction.
    static func write(_ step: SegmentationCommit, db: Database, now: Timestamp) throws -> [Int64] {
        for profile in step.removedProfiles {
            try db.execute(sql: "DELETE FROM memberships WHERE profile_id = ?", arguments: [profile])
            try db.execute(sql: "DELETE FROM timers WHERE profile_id = ?", arguments: [profile])
        }
        if let keep = step.keepOnlySets {
            let placeholders = Array(repeating: "?", count: keep.count).joined(separator: ", ")
            try db.execute(
                sql: "DELETE FROM memberships WHERE set_id NOT IN (\(placeholders.isEmpty ? "NULL" : placeholders))",
                arguments: StatementArguments(keep))
        }
        let insertMigration = try db.cachedStatement(sql: """
            INSERT INTO migrations (profile_id, set_id, kind, from_stage, to_stage, at, cause, cause_seq, cause_message_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let upsertMembership = try db.cachedStatement(sql: """
            INSERT INTO memberships (profile_id, set_id, kind, stage, since) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (profile_id, set_id) DO UPDATE SET stage = excluded.stage, since = excluded.since
            """)
        let deleteMembership = try db.cachedStatement(sql: "DELETE FROM memberships WHERE profile_id = ? AND set_id = ?")
        var ids: [Int64] = []
        ids.reserveCapacity(step.migrations.count)
        for migration in step.migrations {
            var causeSeq: Int64? = nil
            var causeMessage: String? = nil
            if case .event(let seq, let messageId) = migration.cause {
                causeSeq = seq
                causeMessage = messageId
            }
            try insertMigration.execute(arguments: [
                migration.profileId, migration.set, migration.kind.rawValue, migration.from, migration.to, migration.at.millis,
                migration.cause.kind, causeSeq, causeMessage,
            ])
            ids.append(db.lastInsertedRowID)
            if let to = migration.to {
                try upsertMembership.execute(arguments: [migration.profileId, migration.set, migration.kind.rawValue, to, migration.at.millis])
            } else {
                try deleteMembership.execute(arguments: [migration.profileId, migration.set])
            }
        }
        let setTimer = try db.cachedStatement(sql: """
            INSERT INTO timers (profile_id, due_at) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET due_at = excluded.due_at
            """)
        let clearTimer = try db.cachedStatement(sql: "DELETE FROM timers WHERE profile_id = ?")
        for (profile, due) in step.timers {
            if let due { try setTimer.execute(arguments: [profile, due.millis]) } else { try clearTimer.execute(arguments: [profile]) }
        }
        try write(step.firings, migrationIds: ids, db: db, now: now)
        for goal in step.goalEvents {
            try recordConversions(profileId: goal.profileId, event: goal.name, at: goal.at, db: db)
        }
        for (key, value) in step.values {
            try db.execute(
                sql: "INSERT INTO engine_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
        return ids
    }
}
