public import AerCore
import AerJSON
import GRDB

/// What an erasure removed (counts only: the audit record keeps no personal data).
public struct ErasureSummary: Sendable, Hashable, CustomStringConvertible {
    public var profileId: Int64
    public var events: Int
    public var identities: Int
    public var outboxRows: Int
    public var messagesCleared: Int
    public var suppressed: Bool

    public var description: String {
        "erased profile \(profileId): \(events) events, \(identities) identities, \(outboxRows) pending messages, "
            + "\(messagesCleared) rendered messages cleared\(suppressed ? ", addresses kept on the suppression list" : "")"
    }
}

extension SQLiteStore {
    /// Forgets a customer in one transaction: events, traits, identities, memberships, timers, pending outbox
    /// rows and the rendered bodies of sent ones, opt-out rows keyed to the profile. Migrations and firings
    /// keep only the (now meaningless) profile number, for aggregate reports. With `suppress`, the
    /// customer's email and phone stay on the suppression list so no future profile is contacted there.
    /// An audit record without personal data is written.
    /// - Returns: nil when no profile has the id.
    public func erase(profileId: Int64, suppress: Bool, actor: String, now: Timestamp) async throws -> ErasureSummary? {
        try await writing { db in
            guard let traitsText = try String.fetchOne(db, sql: "SELECT traits FROM profiles WHERE id = ?", arguments: [profileId]) else {
                return nil
            }
            if suppress, case .object(let traits)? = try? JSONParser.parse(traitsText) {
                for (kind, key) in [("email", "email"), ("phone", "phone")] {
                    guard let value = traits[key]?.stringValue, !value.isEmpty else { continue }
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO suppressions (kind, value, reason, created_at) VALUES (?, ?, 'erased customer', ?)",
                        arguments: [kind, kind == "email" ? value.lowercased() : value, now.millis])
                }
            }
            var summary = ErasureSummary(profileId: profileId, events: 0, identities: 0, outboxRows: 0, messagesCleared: 0, suppressed: suppress)
            try db.execute(sql: "DELETE FROM events WHERE profile_id = ?", arguments: [profileId])
            summary.events = db.changesCount
            try db.execute(sql: "DELETE FROM identities WHERE profile_id = ?", arguments: [profileId])
            summary.identities = db.changesCount
            try db.execute(sql: "DELETE FROM outbox WHERE profile_id = ? AND status IN ('waiting', 'pending', 'sending')", arguments: [profileId])
            summary.outboxRows = db.changesCount
            try db.execute(sql: "UPDATE outbox SET message = NULL, receipt = NULL WHERE profile_id = ?", arguments: [profileId])
            summary.messagesCleared = db.changesCount
            try db.execute(sql: "DELETE FROM memberships WHERE profile_id = ?", arguments: [profileId])
            try db.execute(sql: "DELETE FROM timers WHERE profile_id = ?", arguments: [profileId])
            try db.execute(sql: "DELETE FROM opt_outs WHERE address = ?", arguments: ["customer:\(profileId)"])
            try db.execute(sql: "DELETE FROM suppressions WHERE kind = 'customer' AND value = ?", arguments: [String(profileId)])
            try db.execute(sql: "DELETE FROM profiles WHERE id = ?", arguments: [profileId])
            try db.execute(sql: "INSERT INTO profile_erasures (profile_id, at) VALUES (?, ?)", arguments: [profileId, now.millis])
            try Self.audit(db, actor: actor, action: "erase", detail: summary.description, now: now)
            return summary
        }
    }

    /// Appends to the audit log (admin actions: erasures, suppressions, retries, reloads).
    public func audit(actor: String, action: String, detail: String, now: Timestamp) async throws {
        try await writing { db in try Self.audit(db, actor: actor, action: action, detail: detail, now: now) }
    }

    /// The audit log, oldest first.
    public func auditLog(limit: Int = 1000) async throws -> [(at: Timestamp, actor: String, action: String, detail: String)] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT at, actor, action, detail FROM audit_log ORDER BY id LIMIT ?", arguments: [limit]).map {
                (Timestamp(millis: $0["at"]), $0["actor"], $0["action"], $0["detail"])
            }
        }
    }

    static func audit(_ db: Database, actor: String, action: String, detail: String, now: Timestamp) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at, actor, action, detail) VALUES (?, ?, ?, ?)", arguments: [now.millis, actor, action, detail])
    }
}
