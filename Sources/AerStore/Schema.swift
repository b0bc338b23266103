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
        return migrator
    }
}
