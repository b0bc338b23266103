import AerCore
import AerJSON
import GRDB

/// Writes one group of event batches inside a single write transaction: dedup by (source, messageId),
/// identity resolution and merges, profile upkeep, and the event rows themselves.
///
/// Profile rows touched several times in a group are written once at the end, which is what keeps
/// ingest close to the cost of a plain insert.
struct EventAppender {
    private enum IdentityKind: String {
        case user, anonymous
    }

    private struct IdentityKey: Hashable {
        var kind: IdentityKind
        var value: String
    }

    private struct ProfileState {
        var id: Int64
        var firstSeen: Int64
        var lastSeen: Int64
        var addedEvents: Int
        /// Loaded lazily: only identify events and merges need the traits.
        var traits: JSONObject?
        var traitsAt: Int64
        var traitsChanged = false
    }

    private let db: Database
    private let now: Int64
    private var identities: [IdentityKey: Int64?] = [:]
    private var profiles: [Int64: ProfileState] = [:]
    private var hasUserIdentity: [Int64: Bool] = [:]
    private var nextProfileId: Int64
    private var bodyBuffer: [UInt8] = []

    init(db: Database, now: Timestamp) throws {
        self.db = db
        self.now = now.millis
        nextProfileId = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM profiles") ?? 0) + 1
        bodyBuffer.reserveCapacity(4096)
    }

    /// Appends the batch; throws only on database failure.
    mutating func append(_ events: [Event]) throws -> AppendOutcome {
        var outcome = AppendOutcome(stored: 0, duplicates: 0)
        let insert = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO events (source, message_id, profile_id, type, name, timestamp, received_at, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            let plan = try resolve(event)
            bodyBuffer.removeAll(keepingCapacity: true)
            JSONWriter.write(.object(event.messageJSON), into: &bodyBuffer)
            let body = String(decoding: bodyBuffer, as: UTF8.self)
            try insert.execute(arguments: [
                event.source, event.messageId, plan.target, event.type.rawValue, event.ruleName ?? event.name,
                event.timestamp.millis, event.receivedAt.millis, body,
            ])
            guard db.changesCount > 0 else {
                outcome.duplicates += 1
                continue
            }
            outcome.stored += 1
            try apply(plan, for: event)
        }
        return outcome
    }

    /// Writes the profile changes gathered over the group.
    mutating func finish() throws {
        let update = try db.cachedStatement(sql: """
            UPDATE profiles SET first_seen = MIN(first_seen, ?), last_seen = MAX(last_seen, ?),
                event_count = event_count + ?, updated_at = ? WHERE id = ?
            """)
        let updateTraits = try db.cachedStatement(sql: "UPDATE profiles SET traits = ?, traits_at = ? WHERE id = ?")
        for state in profiles.values {
            try update.execute(arguments: [state.firstSeen, state.lastSeen, state.addedEvents, now, state.id])
            if state.traitsChanged, let traits = state.traits {
                try updateTraits.execute(arguments: [JSONWriter.string(.object(traits)), state.traitsAt, state.id])
            }
        }
        profiles.removeAll()
    }

    // MARK: Identity resolution

    private struct Plan {
        var target: Int64
        var isNewProfile: Bool
        var links: [IdentityKey]
        var merges: [Int64]
    }

    private mutating func lookup(_ key: IdentityKey) throws -> Int64? {
        if let cached = identities[key] { return cached }
        let statement = try db.cachedStatement(sql: "SELECT profile_id FROM identities WHERE kind = ? AND value = ?")
        let found = try Int64.fetchOne(statement, arguments: [key.kind.rawValue, key.value])
        identities[key] = found
        return found
    }

    private mutating func hasUser(_ profile: Int64) throws -> Bool {
        if let known = hasUserIdentity[profile] { return known }
        let statement = try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM identities WHERE profile_id = ? AND kind = 'user')")
        let found = try Bool.fetchOne(statement, arguments: [profile]) ?? false
        hasUserIdentity[profile] = found
        return found
    }

    /// Decides which profile the event belongs to, which identities to link and which profiles to merge.
    /// Two known users are never merged by an identify; only an explicit alias merges a profile that
    /// already has a userId.
    private mutating func resolve(_ event: Event) throws -> Plan {
        let userKey = event.userId.map { IdentityKey(kind: .user, value: $0) }
        let anonKey = event.anonymousId.map { IdentityKey(kind: .anonymous, value: $0) }
        let byUser = try userKey.flatMap { try lookup($0) }
        let byAnon = try anonKey.flatMap { try lookup($0) }
        var plan = Plan(target: 0, isNewProfile: false, links: [], merges: [])

        if event.type == .alias, let previous = event.previousId {
            let previousAsUser = IdentityKey(kind: .user, value: previous)
            let previousAsAnon = IdentityKey(kind: .anonymous, value: previous)
            let byPrevious = try lookup(previousAsUser) ?? lookup(previousAsAnon)
            if let target = byUser ?? byPrevious ?? byAnon {
                plan.target = target
            } else {
                plan.target = allocate(&plan)
            }
            if byUser == nil, let userKey { plan.links.append(userKey) }
            if byPrevious == nil { plan.links.append(previousAsAnon) }
            if let byPrevious, byPrevious != plan.target { plan.merges.append(byPrevious) }
            if let anonKey, byAnon == nil { plan.links.append(anonKey) }
            return plan
        }

        switch (byUser, byAnon) {
        case (let user?, nil):
            plan.target = user
            if let anonKey { plan.links.append(anonKey) }
        case (let user?, let anon?):
            plan.target = user
            if anon != user, !(try hasUser(anon)) { plan.merges.append(anon) }
        case (nil, let anon?):
            if let userKey {
                if try hasUser(anon) {
                    // The device is shared with another known user: this user gets a profile of their own.
                    plan.target = allocate(&plan)
                } else {
                    plan.target = anon
                }
                plan.links.append(userKey)
            } else {
                plan.target = anon
            }
        case (nil, nil):
            plan.target = allocate(&plan)
            if let userKey { plan.links.append(userKey) }
            if let anonKey { plan.links.append(anonKey) }
        }
        return plan
    }

    private mutating func allocate(_ plan: inout Plan) -> Int64 {
        plan.isNewProfile = true
        defer { nextProfileId += 1 }
        return nextProfileId
    }

    private mutating func apply(_ plan: Plan, for event: Event) throws {
        let id = plan.target
        if plan.isNewProfile {
            try db.cachedStatement(sql: "INSERT INTO profiles (id, first_seen, last_seen, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [id, event.timestamp.millis, event.timestamp.millis, now, now])
            profiles[id] = ProfileState(
                id: id, firstSeen: event.timestamp.millis, lastSeen: event.timestamp.millis, addedEvents: 0,
                traits: [:], traitsAt: 0)
            hasUserIdentity[id] = false
        }
        let link = try db.cachedStatement(sql: "INSERT OR REPLACE INTO identities (kind, value, profile_id) VALUES (?, ?, ?)")
        for key in plan.links {
            try link.execute(arguments: [key.kind.rawValue, key.value, id])
            identities[key] = id
            if key.kind == .user { hasUserIdentity[id] = true }
        }
        for other in plan.merges { try merge(other, into: id) }
        try touch(id) { state in
            state.firstSeen = min(state.firstSeen, event.timestamp.millis)
            state.lastSeen = max(state.lastSeen, event.timestamp.millis)
            state.addedEvents += 1
        }
        if event.type == .identify, !event.traits.isEmpty {
            try withTraits(id) { state in
                if event.timestamp.millis >= state.traitsAt {
                    state.traits!.merge(event.traits)
                    state.traitsAt = event.timestamp.millis
                } else {
                    // A late identify only fills traits that newer ones have not set.
                    state.traits!.fill(from: event.traits)
                }
                state.traitsChanged = true
            }
        }
    }

    private mutating func touch(_ id: Int64, _ change: (inout ProfileState) -> Void) throws {
        if profiles[id] == nil {
            profiles[id] = ProfileState(id: id, firstSeen: .max, lastSeen: .min, addedEvents: 0, traits: nil, traitsAt: 0)
        }
        change(&profiles[id]!)
    }

    private mutating func withTraits(_ id: Int64, _ change: (inout ProfileState) -> Void) throws {
        try touch(id) { _ in }
        if profiles[id]!.traits == nil {
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT traits, traits_at FROM profiles WHERE id = ?"), arguments: [id])
            let text: String = row?["traits"] ?? "{}"
            profiles[id]!.traits = (try? JSONParser.parse(text))?.objectValue ?? [:]
            profiles[id]!.traitsAt = row?["traits_at"] ?? 0
        }
        change(&profiles[id]!)
    }

    /// Folds profile `from` into `into`: identities and events move over, traits fill gaps (the
    /// surviving profile's own traits win), and the merge is recorded for the engine to rebuild state.
    private mutating func merge(_ from: Int64, into: Int64) throws {
        guard from != into else { return }
        let row = try Row.fetchOne(
            db, sql: "SELECT traits, first_seen, last_seen, event_count FROM profiles WHERE id = ?", arguments: [from])
        var absorbedTraits: JSONObject = [:]
        if let row {
            let text: String = row["traits"]
            absorbedTraits = (try? JSONParser.parse(text))?.objectValue ?? [:]
            let firstSeen: Int64 = row["first_seen"], lastSeen: Int64 = row["last_seen"], count: Int = row["event_count"]
            try touch(into) { state in
                state.firstSeen = min(state.firstSeen, firstSeen)
                state.lastSeen = max(state.lastSeen, lastSeen)
                state.addedEvents += count
            }
        }
        if let pending = profiles.removeValue(forKey: from) {
            try touch(into) { state in
                state.firstSeen = min(state.firstSeen, pending.firstSeen)
                state.lastSeen = max(state.lastSeen, pending.lastSeen)
                state.addedEvents += pending.addedEvents
            }
            if let traits = pending.traits { absorbedTraits.merge(traits) }
        }
        if !absorbedTraits.isEmpty {
            try withTraits(into) { state in
                state.traits!.fill(from: absorbedTraits)
                state.traitsChanged = true
            }
        }
        try db.execute(sql: "UPDATE identities SET profile_id = ? WHERE profile_id = ?", arguments: [into, from])
        try db.execute(sql: "UPDATE events SET profile_id = ? WHERE profile_id = ?", arguments: [into, from])
        try db.execute(sql: "DELETE FROM profiles WHERE id = ?", arguments: [from])
        try db.execute(
            sql: "INSERT INTO profile_merges (from_profile, into_profile, at) VALUES (?, ?, ?)", arguments: [from, into, now])
        for (key, value) in identities where value == from { identities[key] = into }
        if hasUserIdentity[from] == true { hasUserIdentity[into] = true }
        hasUserIdentity[from] = nil
    }
}
