public import AerCore
import GRDB

extension SQLiteStore {
    static func migration(_ row: Row) -> Migration {
        let causeKind: String = row["cause"]
        let cause: MigrationCause =
            switch causeKind {
            case "event": .event(seq: row["cause_seq"] ?? 0, messageId: row["cause_message_id"] ?? "")
            case "config": .config
            case "merge": .merge
            case "model": .model
            default: .timer
            }
        return Migration(
            id: row["id"], profileId: row["profile_id"], set: row["set_id"],
            kind: MembershipKind(rawValue: row["kind"]) ?? .segment, from: row["from_stage"], to: row["to_stage"],
            at: Timestamp(millis: row["at"]), cause: cause)
    }

    public func memberships(ofProfile profileId: Int64) async throws -> [StoredMembership] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT set_id, kind, stage, since FROM memberships WHERE profile_id = ? ORDER BY kind, set_id",
                arguments: [profileId]
            ).map(Self.membership)
        }
    }

    public func migrations(ofProfile profileId: Int64, limit: Int) async throws -> [Migration] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM migrations WHERE profile_id = ? ORDER BY id DESC LIMIT ?", arguments: [profileId, limit])
                .map(Self.migration)
        }
    }

    public func memberCounts() async throws -> [String: [String: Int]] {
        try await reading { db in
            var counts: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT set_id, stage, COUNT(*) AS n FROM memberships GROUP BY set_id, stage") {
                counts[row["set_id"], default: [:]][row["stage"]] = row["n"]
            }
            return counts
        }
    }

    public func members(of set: String, stage: String?, after cursor: Int64, limit: Int) async throws -> [Int64] {
        try await reading { db in
            if let stage {
                return try Int64.fetchAll(
                    db, sql: "SELECT profile_id FROM memberships WHERE set_id = ? AND stage = ? AND profile_id > ? ORDER BY profile_id LIMIT ?",
                    arguments: [set, stage, cursor, limit])
            }
            return try Int64.fetchAll(
                db, sql: "SELECT profile_id FROM memberships WHERE set_id = ? AND profile_id > ? ORDER BY profile_id LIMIT ?",
                arguments: [set, cursor, limit])
        }
    }

    public func migrations(matching query: MigrationQuery) async throws -> [Migration] {
        try await reading { db in
            var conditions = ["id > ?"]
            var arguments: [(any DatabaseValueConvertible)?] = [query.after]
            if let since = query.since { conditions.append("at >= ?"); arguments.append(since.millis) }
            if let until = query.until { conditions.append("at < ?"); arguments.append(until.millis) }
            if let set = query.set { conditions.append("set_id = ?"); arguments.append(set) }
            if let from = query.from { conditions.append("from_stage = ?"); arguments.append(from) }
            if let to = query.to { conditions.append("to_stage = ?"); arguments.append(to) }
            if let profile = query.profileId { conditions.append("profile_id = ?"); arguments.append(profile) }
            arguments.append(query.limit)
            return try Row.fetchAll(
                db, sql: "SELECT * FROM migrations WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?",
                arguments: StatementArguments(arguments)
            ).map(Self.migration)
        }
    }

    public func migrationCounts(set: String, since: Timestamp, until: Timestamp) async throws -> [MigrationCount] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: """
                    SELECT from_stage, to_stage, COUNT(*) AS n FROM migrations
                    WHERE set_id = ? AND at >= ? AND at < ? GROUP BY from_stage, to_stage ORDER BY from_stage, to_stage
                    """, arguments: [set, since.millis, until.millis]
            ).map { MigrationCount(from: $0["from_stage"], to: $0["to_stage"], count: $0["n"]) }
        }
    }

    public func stageCounts(set: String, at instant: Timestamp) async throws -> [String: Int] {
        try await reading { db in
            // Each customer's stage at `instant` is the `to` of their last migration in the set before it.
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT to_stage, COUNT(*) AS n FROM migrations m
                WHERE set_id = ? AND at < ? AND id = (
                    SELECT id FROM migrations WHERE profile_id = m.profile_id AND set_id = m.set_id AND at < ? ORDER BY at DESC, id DESC LIMIT 1)
                GROUP BY to_stage
                """, arguments: [set, instant.millis, instant.millis])
            {
                let stage: String? = row["to_stage"]
                if let stage { counts[stage] = row["n"] }
            }
            return counts
        }
    }

    public func stageRevenue(set: String, since: Timestamp, until: Timestamp) async throws -> [String?: Double] {
        try await reading { db in
            var revenue: [String?: Double] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT (SELECT to_stage FROM migrations m WHERE m.profile_id = e.profile_id AND m.set_id = ? AND m.at <= e.timestamp
                        ORDER BY m.at DESC, m.id DESC LIMIT 1) AS stage,
                       SUM(CAST(json_extract(e.body, '$.properties.revenue') AS REAL)) AS revenue
                FROM events e WHERE e.name = 'Order Completed' AND e.timestamp >= ? AND e.timestamp < ? GROUP BY stage
                """, arguments: [set, since.millis, until.millis])
            {
                let stage: String? = row["stage"]
                revenue[stage, default: 0] += row["revenue"] ?? 0
            }
            return revenue
        }
    }

    public func firingOutcomes(since: Timestamp, until: Timestamp) async throws -> [FiringOutcome] {
        try await reading { db in
            var outcomes: [Int64: FiringOutcome] = [:]
            var order: [Int64] = []
            for row in try Row.fetchAll(db, sql: """
                SELECT f.id, f.strategy, f.trigger, f.converted_at IS NOT NULL AS converted, o.status, o.reason
                FROM firings f LEFT JOIN outbox o ON o.firing_id = f.id
                WHERE f.at >= ? AND f.at < ? ORDER BY f.id
                """, arguments: [since.millis, until.millis])
            {
                let id: Int64 = row["id"]
                if outcomes[id] == nil {
                    order.append(id)
                    outcomes[id] = FiringOutcome(strategy: row["strategy"], trigger: row["trigger"], converted: row["converted"], statuses: [:], skipReasons: [:])
                }
                if let status: String = row["status"] {
                    outcomes[id]!.statuses[status, default: 0] += 1
                    if status == "skipped" { outcomes[id]!.skipReasons[row["reason"] ?? "unknown", default: 0] += 1 }
                }
            }
            return order.map { outcomes[$0]! }
        }
    }

    public func displayIds(of profileIds: [Int64]) async throws -> [Int64: String] {
        guard !profileIds.isEmpty else { return [:] }
        return try await reading { db in
            var names: [Int64: String] = [:]
            for chunk in stride(from: 0, to: profileIds.count, by: 500) {
                let ids = Array(profileIds[chunk..<min(chunk + 500, profileIds.count)])
                let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: """
                    SELECT profile_id, kind, MIN(value) AS value FROM identities WHERE profile_id IN (\(placeholders))
                    GROUP BY profile_id, kind
                    """, arguments: StatementArguments(ids))
                {
                    let id: Int64 = row["profile_id"]
                    let kind: String = row["kind"]
                    if kind == "user" || names[id] == nil { names[id] = row["value"] }
                }
            }
            for id in profileIds where names[id] == nil { names[id] = String(id) }
            return names
        }
    }

    public func backlog(afterEvent cursor: Int64, now: Timestamp) async throws -> Backlog {
        try await reading { db in
            var outbox = Dictionary(uniqueKeysWithValues: OutboxStatus.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let status = OutboxStatus(rawValue: row["status"]) { outbox[status] = row["n"] }
            }
            let oldest = try Int64.fetchOne(
                db, sql: "SELECT received_at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", arguments: [cursor])
            let due = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM timers WHERE due_at <= ?", arguments: [now.millis]) ?? 0
            return Backlog(outbox: outbox, oldestUnprocessedEvent: oldest.map(Timestamp.init(millis:)), timersDue: due)
        }
    }
}
