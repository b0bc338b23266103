public import AerCore
import AerJSON
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode, written through group commit.
///
/// All SQLite work runs on GRDB's own dispatch queues, never on the cooperative thread pool.
public final class SQLiteStore: Store {
    /// How hard commits are pushed to disk.
    public enum Durability: String, Sendable, CaseIterable {
        /// fsync on every commit: an acknowledged event survives power loss (default).
        case full
        /// fsync at checkpoints: survives a crash of aerd, may lose the last commits on power loss.
        case normal
    }

    /// The path of the database file.
    public let path: String
    let pool: DatabasePool
    let clock: any WallClock
    private let appends: GroupCommit<[Event], AppendOutcome>

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - path: the database file; its directory is created if missing.
    ///   - clock: the clock for bookkeeping times (received, updated).
    ///   - durability: see `Durability`.
    ///   - busyTimeout: how long to wait for another process (an import) holding the write lock.
    public init(path: String, clock: any WallClock, durability: Durability = .full, busyTimeout: Double = 5) throws(StoreError) {
        self.path = path
        self.clock = clock
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.cannotOpen, "cannot create the state directory '\(directory)': \(error.localizedDescription); check that the path is writable by the user running aerd")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "aerd"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            // SQLite's default 2 MB page cache makes every index probe of a growing log a pread(2);
            // keep the hot B-tree pages in memory and map the file for the rest.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.cannotOpen, "cannot open the database '\(path)': \(error); check the path and its permissions")
        }
        do {
            let migrator = Schema.migrator()
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError(.schemaTooNew, "the database '\(path)' was written by a newer aerd; run that version or restore a backup")
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.cannotOpen, "cannot update the schema of '\(path)': \(error)")
        }
        let pool = self.pool
        let clock = self.clock
        appends = GroupCommit(maxGroup: 256) { batches in
            await Self.write(batches, pool: pool, now: clock.now())
        }
    }

    private static func write(_ batches: [[Event]], pool: DatabasePool, now: Timestamp) async -> [Result<AppendOutcome, any Error>] {
        do {
            return try await pool.write { db in
                var appender = try EventAppender(db: db, now: now)
                var outcomes: [Result<AppendOutcome, any Error>] = []
                for batch in batches { outcomes.append(.success(try appender.append(batch))) }
                try appender.finish()
                return outcomes
            }
        } catch {
            guard batches.count > 1 else { return [.failure(Self.ioError(error))] }
            // One bad batch must not fail its neighbours: retry each in a transaction of its own.
            var outcomes: [Result<AppendOutcome, any Error>] = []
            for batch in batches { outcomes.append(contentsOf: await write([batch], pool: pool, now: now)) }
            return outcomes
        }
    }

    static func ioError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return StoreError(.io, "the database write failed: \(error)")
    }

    public func append(_ events: [Event]) async throws -> AppendOutcome {
        guard !events.isEmpty else { return AppendOutcome(stored: 0, duplicates: 0) }
        return try await appends.submit(events)
    }

    public func profile(matching identifier: String) async throws -> ProfileRecord? {
        do {
            return try await pool.read { db in
                var id: Int64? = nil
                if let numeric = Int64(identifier),
                    try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM profiles WHERE id = ?)", arguments: [numeric]) == true
                {
                    id = numeric
                }
                if id == nil {
                    id = try Int64.fetchOne(
                        db, sql: "SELECT profile_id FROM identities WHERE value = ? ORDER BY kind = 'user' DESC LIMIT 1",
                        arguments: [identifier])
                }
                guard let id, let row = try Row.fetchOne(db, sql: "SELECT * FROM profiles WHERE id = ?", arguments: [id]) else {
                    return nil
                }
                var userIds: [String] = []
                var anonymousIds: [String] = []
                for identity in try Row.fetchAll(
                    db, sql: "SELECT kind, value FROM identities WHERE profile_id = ? ORDER BY value", arguments: [id])
                {
                    let kind: String = identity["kind"]
                    if kind == "user" { userIds.append(identity["value"]) } else { anonymousIds.append(identity["value"]) }
                }
                let traitsText: String = row["traits"]
                return ProfileRecord(
                    id: id, userIds: userIds, anonymousIds: anonymousIds,
                    traits: (try? JSONParser.parse(traitsText))?.objectValue ?? [:],
                    firstSeen: Timestamp(millis: row["first_seen"]), lastSeen: Timestamp(millis: row["last_seen"]),
                    eventCount: row["event_count"])
            }
        } catch {
            throw Self.ioError(error)
        }
    }

    public func eventCount() async throws -> Int {
        do {
            return try await pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events") ?? 0 }
        } catch {
            throw Self.ioError(error)
        }
    }

    public func close() async throws {
        do {
            try pool.close()
        } catch {
            throw Self.ioError(error)
        }
    }
}
