import AerCore
import AerIngest
import AerJSON
import AerMetrics
import AerStore
import ArgumentParser
import Foundation
import GRDB

/// Benchmarks; run in release: `swift run -c release aerd-bench <command>`. See BENCHMARKS.md.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aerd-bench", abstract: "aerd benchmarks (release builds only).",
        subcommands: [Decode.self, RawInsert.self, StoreAppend.self, MakeBody.self, EngineBench.self, LatencyBench.self, WebhookBench.self])
}

func seconds(_ work: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try work()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func rate(_ count: Int, _ time: Double) -> String { String(format: "%.0f", Double(count) / time) }

/// Decoding a 100-event batch body: our parser + normalisation vs Foundation.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Events/s decoding Segment batch bodies on one core.")

    @Option var batches = 2000

    enum AnyJSON: Decodable {
        case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
            else { self = .object(try c.decode([String: AnyJSON].self)) }
        }
    }

    func run() throws {
        var corpus = Corpus(seed: 1)
        let bodies = (0..<50).map { JSONWriter.bytes(corpus.batch(count: 100, startingAt: $0 * 100, customers: 10_000)) }
        let events = batches * 100
        let bytes = bodies.map(\.count).reduce(0, +) / bodies.count
        print("body: \(bytes) bytes per 100-event batch")
        let messages = SegmentMessages()
        let now = Timestamp(millis: 0)
        var sink = 0
        let ours = try seconds {
            for index in 0..<batches {
                let value = try bodies[index % bodies.count].withUnsafeBytes { try JSONParser.parse($0) }
                sink &+= try messages.batch(value, source: "web", receivedAt: now).count
            }
        }
        // The same, plus what the ingest route records per request: the request, its bytes, its events by type.
        let metrics = DaemonMetrics()
        let counted = try seconds {
            for index in 0..<batches {
                let body = bodies[index % bodies.count]
                let value = try body.withUnsafeBytes { try JSONParser.parse($0) }
                let batch = try messages.batch(value, source: "web", receivedAt: now)
                metrics.ingestRequest(type: nil, outcome: .accepted, bytes: body.count)
                metrics.ingestedEvents(batch, outcome: .accepted)
                sink &+= batch.count
            }
        }
        let parseOnly = try seconds {
            for index in 0..<batches {
                if case .object(let o) = try bodies[index % bodies.count].withUnsafeBytes({ try JSONParser.parse($0) }) { sink &+= o.count }
            }
        }
        let datas = bodies.map { Data($0) }
        let serialization = try seconds {
            for index in 0..<batches {
                let object = try JSONSerialization.jsonObject(with: datas[index % datas.count]) as? [String: Any]
                sink &+= object?.count ?? 0
            }
        }
        let decoder = JSONDecoder()
        let codable = try seconds {
            for index in 0..<batches / 4 {
                if case .object(let o) = try decoder.decode(AnyJSON.self, from: datas[index % datas.count]) { sink &+= o.count }
            }
        }
        print("JSONParser + SegmentMessages: \(rate(events, ours)) events/s")
        print("  + ingest metrics recorded:   \(rate(events, counted)) events/s")
        print("JSONParser only:              \(rate(events, parseOnly)) events/s")
        print("JSONSerialization:            \(rate(events, serialization)) events/s")
        print("JSONDecoder (generic enum):   \(rate(events / 4, codable)) events/s")
        if sink == 42 { print("") }
    }
}

/// The baseline: a plain batched SQLite insert of the same rows into the same events table.
struct RawInsert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Rows/s of a raw batched SQLite insert of the bench events.")

    @Option var events = 1_000_000
    @Option var batch = 100
    @Option var path = NSTemporaryDirectory() + "aerd-bench-raw.sqlite"

    func run() async throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        // Same schema and durability as the store: open it once to create the tables.
        try await SQLiteStore(path: path, clock: SystemWallClock()).close()
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        var corpus = Corpus(seed: 7)
        let now = Timestamp(millis: 1_790_000_000_000)
        let all: [Event] = try (0..<(events / 100)).flatMap { index in
            try SegmentMessages().batch(corpus.batch(count: 100, startingAt: index * 100, customers: 100_000), source: "web", receivedAt: now)
        }
        let rows = stride(from: 0, to: all.count, by: batch).map { Array(all[$0..<min($0 + batch, all.count)]) }
        let start = ContinuousClock.now
        for group in rows {
            try await pool.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO events (source, message_id, profile_id, type, name, timestamp, received_at, body)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for event in group {
                    try insert.execute(arguments: [
                        event.source, event.messageId, 1, event.type.rawValue, event.name, event.timestamp.millis,
                        event.receivedAt.millis, JSONWriter.string(.object(event.messageJSON)),
                    ])
                }
            }
        }
        let elapsed = ContinuousClock.now - start
        let time = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("raw SQLite insert: \(events) rows in \(String(format: "%.2f", time)) s = \(rate(events, time)) rows/s (transactions of \(batch))")
    }
}

/// The store's own append path (identity resolution, profiles, group commit), without HTTP.
struct StoreAppend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Events/s through SQLiteStore.append with concurrent writers.")

    @Option var events = 1_000_000
    @Option var batch = 100
    @Option var writers = 16
    @Option var path = NSTemporaryDirectory() + "aerd-bench-store.sqlite"

    func run() async throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try SQLiteStore(path: path, clock: SystemWallClock())
        var corpus = Corpus(seed: 7)
        let now = Timestamp(millis: 1_790_000_000_000)
        let groups: [[Event]] = try (0..<(events / batch)).map { index in
            try SegmentMessages().batch(corpus.batch(count: batch, startingAt: index * batch, customers: 100_000), source: "web", receivedAt: now)
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for writer in 0..<writers {
                tasks.addTask {
                    for index in stride(from: writer, to: groups.count, by: writers) { _ = try await store.append(groups[index]) }
                }
            }
            try await tasks.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let time = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try await store.close()
        print("SQLiteStore.append: \(events) events in \(String(format: "%.2f", time)) s = \(rate(events, time)) events/s (\(writers) writers, batches of \(batch))")
    }
}

/// Writes sample bodies for HTTP load tools.
struct MakeBody: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write a 100-event /v1/batch body to a file.")

    @Option var out: String
    @Option var events = 100

    func run() throws {
        var corpus = Corpus(seed: 3)
        try Data(JSONWriter.bytes(corpus.batch(count: events, startingAt: 0, customers: 10_000))).write(to: URL(fileURLWithPath: out))
    }
}
