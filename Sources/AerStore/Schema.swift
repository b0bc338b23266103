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
        return migrator
    }
}
