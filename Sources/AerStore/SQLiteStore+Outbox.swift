public import AerCore
import AerJSON
import GRDB

extension SQLiteStore {
    static func outboxEntry(_ row: Row) -> OutboxEntry {
        let message: String? = row["message"]
        let receipt: String? = row["receipt"]
        return OutboxEntry(
            id: row["id"], firingId: row["firing_id"], idempotencyKey: row["idempotency_key"], strategy: row["strategy"],
            trigger: row["trigger"], actionIndex: row["action_index"], profileId: row["profile_id"], channel: row["channel"],
            template: row["template"], status: OutboxStatus(rawValue: row["status"]) ?? .dead, reason: row["reason"],
            dueAt: Timestamp(millis: row["due_at"]), attempts: row["attempts"],
            message: message.flatMap { try? JSONParser.parse($0).objectValue } ?? [:],
            receipt: receipt.flatMap { try? JSONParser.parse($0).objectValue },
            createdAt: Timestamp(millis: row["created_at"]), sentAt: (row["sent_at"] as Int64?).map(Timestamp.init(millis:)))
    }

    func writing<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.ioError(error)
        }
    }

    /// Writes firings and their outbox rows (part of the engine's commit).
    static func write(_ firings: [NewFiring], migrationIds: [Int64], db: Database, now: Timestamp) throws {
        let insertFiring = try db.cachedStatement(sql: """
            INSERT INTO firings (strategy, trigger, profile_id, migration_id, event_seq, at, goal_event, goal_until)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertAction = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO outbox (firing_id, idempotency_key, strategy, trigger, action_index, profile_id, channel, template,
                status, due_at, message, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for firing in firings {
            let migrationId = firing.migrationIndex.flatMap { $0 < migrationIds.count ? migrationIds[$0] : nil }
            try insertFiring.execute(arguments: [
                firing.strategy, firing.trigger, firing.profileId, migrationId, firing.eventSeq, firing.at.millis,
                firing.goal?.event, firing.goal.map { (firing.at + $0.within).millis },
            ])
            let firingId = db.lastInsertedRowID
            for (index, action) in firing.actions.enumerated() {
                try insertAction.execute(arguments: [
                    firingId, action.idempotencyKey, firing.strategy, firing.trigger, index, firing.profileId, action.channel,
                    action.template, action.status.rawValue, action.dueAt.millis, JSONWriter.string(.object(action.message)),
                    now.millis, now.millis,
                ])
            }
        }
    }

    /// Marks open goals of this customer converted by an event named `name` at `at`.
    static func recordConversions(profileId: Int64, event name: String, at: Timestamp, db: Database) throws {
        try db.execute(
            sql: """
                UPDATE firings SET converted_at = ? WHERE profile_id = ? AND goal_event = ? AND converted_at IS NULL
                AND at < ? AND goal_until >= ?
                """, arguments: [at.millis, profileId, name, at.millis, at.millis])
    }

    public func claimDue(now: Timestamp, limit: Int, owner: String, lease: AerDuration) async throws -> [OutboxEntry] {
        try await writing { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE \(Self.due) ORDER BY due_at, id LIMIT ?", arguments: [now.millis, now.millis, limit])
            return try Self.claim(rows, owner: owner, until: now + lease, now: now, db: db)
        }
    }

    public func claimDue(now: Timestamp, owner: String, lease: AerDuration, quotas: ClaimQuotas) async throws -> [OutboxEntry] {
        let listed = quotas.perChannel.sorted { $0.key < $1.key }
        return try await writing { db in
            var rows: [Row] = []
            for (channel, limit) in listed where limit > 0 {
                rows += try Row.fetchAll(
                    db, sql: "SELECT * FROM outbox WHERE channel = ? AND \(Self.due) ORDER BY due_at, id LIMIT ?",
                    arguments: [channel, now.millis, now.millis, limit])
            }
            if quotas.otherChannels > 0 {
                let placeholders = Array(repeating: "?", count: listed.count).joined(separator: ",")
                let exclude = listed.isEmpty ? "" : "channel NOT IN (\(placeholders)) AND "
                rows += try Row.fetchAll(
                    db, sql: "SELECT * FROM outbox WHERE \(exclude)\(Self.due) ORDER BY due_at, id LIMIT ?",
                    arguments: StatementArguments(listed.map(\.key)) + [now.millis, now.millis, quotas.otherChannels])
            }
            return try Self.claim(rows, owner: owner, until: now + lease, now: now, db: db)
        }
    }

    /// Rows a dispatcher may claim: pending and due, or sending under a lease that ran out (arguments: now, now).
    private static let due = "((status = 'pending' AND due_at <= ?) OR (status = 'sending' AND lease_until <= ?))"

    /// Marks `rows` sending under `owner` until `until` and counts an attempt.
    private static func claim(_ rows: [Row], owner: String, until: Timestamp, now: Timestamp, db: Database) throws -> [OutboxEntry] {
        let claim = try db.cachedStatement(sql: """
            UPDATE outbox SET status = 'sending', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?
            """)
        return try rows.map { row in
            var entry = Self.outboxEntry(row)
            try claim.execute(arguments: [owner, until.millis, now.millis, entry.id])
            entry.status = .sending
            entry.attempts += 1
            return entry
        }
    }

    @discardableResult
    public func finish(_ id: Int64, owner: String, outcome: OutboxOutcome, now: Timestamp) async throws -> Bool {
        try await writing { db in
            let guardClause = "WHERE id = ? AND status = 'sending' AND lease_owner = ?"
            switch outcome {
            case .sent(let receipt):
                try db.execute(
                    sql: "UPDATE outbox SET status = 'sent', receipt = ?, reason = NULL, sent_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? \(guardClause)",
                    arguments: [JSONWriter.string(.object(receipt)), now.millis, now.millis, id, owner])
            case .retry(let at, let error):
                try db.execute(
                    sql: "UPDATE outbox SET status = 'pending', due_at = ?, reason = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? \(guardClause)",
                    arguments: [at.millis, error, now.millis, id, owner])
            case .dead(let error):
                try db.execute(
                    sql: "UPDATE outbox SET status = 'dead', reason = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? \(guardClause)",
                    arguments: [error, now.millis, id, owner])
            case .skipped(let reason):
                try db.execute(
                    sql: "UPDATE outbox SET status = 'skipped', reason = ?, attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, updated_at = ? \(guardClause)",
                    arguments: [reason, now.millis, id, owner])
            case .heldOut:
                try db.execute(
                    sql: "UPDATE outbox SET status = 'held_out', reason = 'holdout', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, updated_at = ? \(guardClause)",
                    arguments: [now.millis, id, owner])
            case .deferred(let until):
                try db.execute(
                    sql: "UPDATE outbox SET status = 'pending', due_at = ?, reason = 'quiet_hours', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL, updated_at = ? \(guardClause)",
                    arguments: [until.millis, now.millis, id, owner])
            }
            return db.changesCount > 0
        }
    }

    public func releaseLeases(owner: String, now: Timestamp) async throws {
        try await writing { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', due_at = MIN(due_at, ?), attempts = MAX(attempts - 1, 0), lease_owner = NULL, lease_until = NULL WHERE status = 'sending' AND lease_owner = ?",
                arguments: [now.millis, owner])
        }
    }

    public func nextDue() async throws -> Timestamp? {
        try await reading { db in
            let pending = try Int64.fetchOne(db, sql: "SELECT MIN(due_at) FROM outbox WHERE status = 'pending'")
            let lease = try Int64.fetchOne(db, sql: "SELECT MIN(lease_until) FROM outbox WHERE status = 'sending'")
            return [pending, lease].compactMap { $0 }.min().map(Timestamp.init(millis:))
        }
    }

    public func dueWaits(now: Timestamp, limit: Int) async throws -> [OutboxEntry] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE status = 'waiting' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
                arguments: [now.millis, limit]
            ).map(Self.outboxEntry)
        }
    }

    public func resolveWaits(_ decisions: [(id: Int64, release: Bool, reason: String?)], now: Timestamp) async throws {
        let list = decisions.map { ($0.id, $0.release, $0.reason) }
        try await writing { db in
            for (id, release, reason) in list {
                try db.execute(
                    sql: "UPDATE outbox SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = 'waiting'",
                    arguments: [release ? "pending" : "skipped", reason, now.millis, id])
            }
        }
    }

    public func sentCount(profileId: Int64, channels: [String]?, since: Timestamp) async throws -> Int {
        try await reading { db in
            guard let channels else {
                return try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM outbox WHERE profile_id = ? AND status = 'sent' AND sent_at > ?",
                    arguments: [profileId, since.millis]) ?? 0
            }
            let placeholders = Array(repeating: "?", count: channels.count).joined(separator: ",")
            return try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM outbox WHERE profile_id = ? AND status = 'sent' AND sent_at > ? AND channel IN (\(placeholders))",
                arguments: StatementArguments([profileId, since.millis] as [any DatabaseValueConvertible]) + StatementArguments(channels)) ?? 0
        }
    }

    public func sentDuplicate(of entry: OutboxEntry, since: Timestamp) async throws -> Bool {
        try await reading { db in
            try Bool.fetchOne(
                db, sql: """
                    SELECT EXISTS (SELECT 1 FROM outbox WHERE profile_id = ? AND status = 'sent' AND sent_at > ?
                        AND channel = ? AND template = ? AND id != ?)
                    """, arguments: [entry.profileId, since.millis, entry.channel, entry.template, entry.id]) ?? false
        }
    }

    public func isSuppressed(profileId: Int64, email: String?, phone: String?) async throws -> Bool {
        try await reading { db in
            var keys: [(String, String)] = [("customer", String(profileId))]
            if let email { keys.append(("email", email.lowercased())) }
            if let phone { keys.append(("phone", phone)) }
            for (kind, value) in keys {
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM suppressions WHERE kind = ? AND value = ?)", arguments: [kind, value]) == true {
                    return true
                }
            }
            return false
        }
    }

    public func hasOptedOut(channelType: String, profileId: Int64, address: String?) async throws -> Bool {
        try await reading { db in
            for key in ["customer:\(profileId)", address?.lowercased()].compactMap({ $0 }) {
                if let out = try Bool.fetchOne(
                    db, sql: "SELECT opted_out FROM opt_outs WHERE channel = ? AND address = ?", arguments: [channelType, key]),
                    out
                {
                    return true
                }
            }
            return false
        }
    }

    public func firings(strategy: String, trigger: String, profileId: Int64, limit: Int) async throws -> [FiringRecord] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT id, migration_id, at FROM firings WHERE profile_id = ? AND strategy = ? AND trigger = ? ORDER BY at DESC, id DESC LIMIT ?",
                arguments: [profileId, strategy, trigger, limit]
            ).map { FiringRecord(id: $0["id"], migrationId: $0["migration_id"], at: Timestamp(millis: $0["at"])) }
        }
    }

    public func outbox(status: OutboxStatus?, strategy: String?, after: Int64, limit: Int) async throws -> [OutboxEntry] {
        try await reading { db in
            var conditions = ["id > ?"]
            var arguments: [any DatabaseValueConvertible] = [after]
            if let status { conditions.append("status = ?"); arguments.append(status.rawValue) }
            if let strategy { conditions.append("strategy = ?"); arguments.append(strategy) }
            arguments.append(limit)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?",
                arguments: StatementArguments(arguments)
            ).map(Self.outboxEntry)
        }
    }

    public func retryDead(_ id: Int64, now: Timestamp) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', due_at = ?, attempts = 0, reason = NULL, updated_at = ? WHERE id = ? AND status = 'dead'",
                arguments: [now.millis, now.millis, id])
            return db.changesCount > 0
        }
    }

    public func suppress(kind: String, value: String, reason: String?, now: Timestamp) async throws {
        try await writing { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO suppressions (kind, value, reason, created_at) VALUES (?, ?, ?, ?)",
                arguments: [kind, kind == "email" ? value.lowercased() : value, reason, now.millis])
        }
    }

    public func unsuppress(kind: String, value: String) async throws -> Bool {
        try await writing { db in
            try db.execute(sql: "DELETE FROM suppressions WHERE kind = ? AND value = ?", arguments: [kind, kind == "email" ? value.lowercased() : value])
            return db.changesCount > 0
        }
    }

    public func setOptOut(channelType: String, address: String, optedOut: Bool, source: String, now: Timestamp) async throws {
        try await writing { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO opt_outs (channel, address, opted_out, source, at) VALUES (?, ?, ?, ?, ?)",
                arguments: [channelType, address.lowercased(), optedOut, source, now.millis])
        }
    }
}
