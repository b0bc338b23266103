import GRDB

/// The versioned schema. Each later feature adds its tables in a migration of its own; never edit a
/// migration that has shipped.
enum Schema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-event-log-and-profiles") { db in
            try db.execute(sql: """
                CREATE TABLE profiles (
                    id INTEGER PRIMARY KEY,
                    traits TEXT NOT NULL DEFAULT '{}',
                    traits_at INTEGER NOT NULL DEFAULT 0,
                    first_seen INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    event_count INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE identities (
                    kind TEXT NOT NULL CHECK (kind IN ('user', 'anonymous')),
                    value TEXT NOT NULL,
                    profile_id INTEGER NOT NULL REFERENCES profiles(id),
                    PRIMARY KEY (kind, value)
                ) WITHOUT ROWID;
                CREATE INDEX identities_by_profile ON identities(profile_id);
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY,
                    source TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    profile_id INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    name TEXT,
                    timestamp INTEGER NOT NULL,
                    received_at INTEGER NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE UNIQUE INDEX events_by_message ON events(source, message_id);
                CREATE INDEX events_by_profile ON events(profile_id, timestamp);
                CREATE TABLE profile_merges (
                    seq INTEGER PRIMARY KEY,
                    from_profile INTEGER NOT NULL,
                    into_profile INTEGER NOT NULL,
                    at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-segmentation") { db in
            try db.execute(sql: """
                CREATE TABLE memberships (
                    profile_id INTEGER NOT NULL,
                    set_id TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('lifecycle', 'segment')),
                    stage TEXT NOT NULL,
                    since INTEGER NOT NULL,
                    PRIMARY KEY (profile_id, set_id)
                ) WITHOUT ROWID;
                CREATE INDEX memberships_by_stage ON memberships(set_id, stage, profile_id);
                CREATE TABLE migrations (
                    id INTEGER PRIMARY KEY,
                    profile_id INTEGER NOT NULL,
                    set_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    from_stage TEXT,
                    to_stage TEXT,
                    at INTEGER NOT NULL,
                    cause TEXT NOT NULL,
                    cause_seq INTEGER,
                    cause_message_id TEXT
                );
                CREATE INDEX migrations_by_profile ON migrations(profile_id, id);
                CREATE INDEX migrations_by_at ON migrations(at, id);
                CREATE TABLE timers (
                    profile_id INTEGER PRIMARY KEY,
                    due_at INTEGER NOT NULL
                );
                CREATE INDEX timers_by_due ON timers(due_at);
                CREATE TABLE engine_state (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-automation") { db in
            try db.execute(sql: """
                CREATE TABLE firings (
                    id INTEGER PRIMARY KEY,
                    strategy TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    profile_id INTEGER NOT NULL,
                    migration_id INTEGER,
                    event_seq INTEGER,
                    at INTEGER NOT NULL,
                    goal_event TEXT,
                    goal_until INTEGER,
                    converted_at INTEGER
                );
                CREATE INDEX firings_by_profile ON firings(profile_id, strategy, trigger, at);
                CREATE INDEX firings_open_goals ON firings(profile_id, goal_event, goal_until) WHERE goal_event IS NOT NULL AND converted_at IS NULL;
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY,
                    firing_id INTEGER NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    strategy TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    action_index INTEGER NOT NULL,
                    profile_id INTEGER NOT NULL,
                    channel TEXT NOT NULL,
                    template TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    due_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_owner TEXT,
                    lease_until INTEGER,
                    message TEXT,
                    receipt TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    sent_at INTEGER
                );
                CREATE INDEX outbox_due ON outbox(status, due_at);
                CREATE INDEX outbox_sent ON outbox(profile_id, sent_at) WHERE status = 'sent';
                CREATE INDEX outbox_by_firing ON outbox(firing_id);
                CREATE TABLE suppressions (
                    kind TEXT NOT NULL CHECK (kind IN ('customer', 'email', 'phone')),
                    value TEXT NOT NULL,
                    reason TEXT,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (kind, value)
                ) WITHOUT ROWID;
                CREATE TABLE opt_outs (
                    channel TEXT NOT NULL,
                    address TEXT NOT NULL,
                    opted_out INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (channel, address)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-audit") { db in
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v5-model-fits") { db in
            try db.execute(sql: """
                CREATE TABLE model_fits (
                    id INTEGER PRIMARY KEY,
                    fitted_at INTEGER NOT NULL,
                    period TEXT NOT NULL,
                    horizon INTEGER NOT NULL,
                    discount_rate REAL NOT NULL,
                    margin REAL NOT NULL,
                    customers INTEGER NOT NULL,
                    repeat_buyers INTEGER NOT NULL,
                    purchases INTEGER NOT NULL,
                    r REAL NOT NULL,
                    alpha REAL NOT NULL,
                    a REAL NOT NULL,
                    b REAL NOT NULL,
                    bgnbd_log_likelihood REAL NOT NULL,
                    p REAL NOT NULL,
                    q REAL NOT NULL,
                    gamma REAL NOT NULL,
                    gamma_gamma_log_likelihood REAL NOT NULL,
                    stage_values TEXT NOT NULL DEFAULT '{}'
                );
                """)
        }
        migrator.registerMigration("v6-erasures") { db in
            // Erasures in order, so a running engine forgets the customer too (it follows this like merges).
            try db.execute(sql: """
                CREATE TABLE profile_erasures (
                    seq INTEGER PRIMARY KEY,
                    profile_id INTEGER NOT NULL,
                    at INTEGER NOT NULL
                );
                """)
        }
        return migrator
    }
}
