import AerConfig
import AerCore
import AerDispatch
import AerJSON
import AerPluginAPI
import AerStore
import ChannelTestKit
import Foundation
import Logging
import Synchronization

let t0 = Timestamp(iso8601: "2026-11-24T10:00:00Z")!
let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
let aerdYAML = SourceLocation(file: "config/aerd.yaml", line: 30, column: 5)

/// Numbers the rows tests write, so idempotency keys never repeat.
private let serials = Atomic<Int>(0)

/// The rendered message the automation writes, per the outbox schema.
func renderedMessage(customer: String = "42", text: String? = "We miss you, Ada") -> JSONObject {
    var message: JSONObject = [
        "recipient": ["customerId": .string(customer), "email": "ada@example.com", "name": "Ada"],
        "subject": "Come back",
        "html": "<p>We miss you</p>",
        "params": ["coupon": "BACK10"],
        "unsubscribeURL": "https://shop.example/u/42",
        "payload": ["type": "migration", "customer": ["id": .string(customer)], "migration": ["from": "active", "to": "at_risk"]],
    ]
    if let text { message["text"] = .string(text) }
    return message
}

/// A scratch SQLite store on a manual clock, with outbox rows written the way the automation writes them.
struct Fixture {
    let clock = ManualWallClock(t0)
    let store: SQLiteStore

    init() throws {
        store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-dispatch-" + UUID().uuidString + "/aerd.sqlite", clock: clock)
    }

    /// Writes `count` outbox rows, one firing each, through the engine's commit.
    /// - Returns: the rows as stored.
    @discardableResult
    func enqueue(
        _ count: Int = 1, channel: String = "hook", strategy: String = "retain_drifting",
        message: JSONObject = renderedMessage(), keys: [String]? = nil
    ) async throws -> [OutboxEntry] {
        var commit = SegmentationCommit()
        var written: [String] = []
        for index in 0..<count {
            let serial = serials.add(1, ordering: .relaxed).newValue
            let key = keys?[index] ?? "\(strategy):t0:42:\(serial):0"
            written.append(key)
            commit.firings.append(NewFiring(
                strategy: strategy, trigger: "t0", profileId: 42, migrationIndex: nil, eventSeq: Int64(serial), at: clock.now(),
                goal: nil, actions: [NewAction(
                    idempotencyKey: key, channel: channel, template: "retention", status: .pending, dueAt: clock.now(),
                    message: message)]))
        }
        try await store.commit(commit)
        let rows = try await store.outbox(status: nil, strategy: nil, after: 0, limit: 10_000)
        return written.compactMap { key in rows.first { $0.idempotencyKey == key } }
    }

    /// The row with `id` as stored now.
    func row(_ id: Int64) async throws -> OutboxEntry {
        try await store.outbox(status: nil, strategy: nil, after: id - 1, limit: 1).first!
    }

    /// A dispatcher over this store.
    func dispatcher(
        _ channels: [String: ConfiguredChannel], gate: any DeliveryGate = OpenGate(), owner: String = "dispatcher-b",
        logs: LogRecords = LogRecords(), settings: DispatchSettings? = nil,
        random: @escaping @Sendable (ClosedRange<Int64>) -> Int64 = { $0.upperBound }
    ) -> Dispatcher {
        Dispatcher(
            store: store, channels: channels, gate: gate, clock: clock, logger: logs.logger("dispatch-test"),
            settings: settings ?? DispatchSettings(owner: owner), random: random)
    }
}

/// A webhook channel definition as the config loader makes it.
func webhookDefinition(_ url: String, id: String = "hook", extra: JSONObject = [:]) -> ChannelDefinition {
    var settings: JSONObject = ["url": .string(url), "secret": .string(secret)]
    settings.merge(extra)
    return ChannelDefinition(id: id, type: .webhook, settings: settings, location: aerdYAML)
}

/// Builds channels through the registry, runs `body`, and shuts them down however `body` ends.
func withChannels<T>(
    _ definitions: [ChannelDefinition], _ body: ([String: ConfiguredChannel]) async throws -> T
) async throws -> T {
    let channels = try await ChannelRegistry.build(definitions, context: ChannelContext(logger: Logger(label: "channels"), userAgent: "aerd/test")).get()
    do {
        let result = try await body(channels)
        await ChannelRegistry.shutdown(channels)
        return result
    } catch {
        await ChannelRegistry.shutdown(channels)
        throw error
    }
}

/// A gate that answers from a table keyed by the row's idempotency key (`.send` for the rest), or fails.
struct ScriptedGate: DeliveryGate {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "the policy store is unavailable" }
    }

    var decisions: [String: GateDecision] = [:]
    var fails = false

    func check(_ entry: OutboxEntry, channel: ConfiguredChannel, now: Timestamp) async throws -> GateDecision {
        if fails { throw Unavailable() }
        return decisions[entry.idempotencyKey] ?? .send
    }
}

/// Counts log messages as they are logged, so a test can await a number of outcomes instead of sleeping.
final class OutcomeWaiter: Sendable {
    private typealias Waiter = (message: String, count: Int, continuation: CheckedContinuation<Void, Never>)

    private final class Counts: Sendable {
        struct State {
            var counts: [String: Int] = [:]
            var waiters: [Waiter] = []
        }

        let state = Mutex(State())

        func logged(_ message: String) {
            let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.counts[message, default: 0] += 1
                let counts = state.counts
                let ready = state.waiters.filter { counts[$0.message, default: 0] >= $0.count }
                state.waiters.removeAll { counts[$0.message, default: 0] >= $0.count }
                return ready.map(\.continuation)
            }
            for continuation in ready { continuation.resume() }
        }
    }

    private let counts: Counts
    /// Where the dispatcher under test logs.
    let logs: LogRecords

    init() {
        let counts = Counts()
        self.counts = counts
        logs = LogRecords { _, message in counts.logged(message) }
    }

    /// Returns once `message` has been logged `count` times.
    func wait(for message: String, count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = counts.state.withLock { state -> Bool in
                if state.counts[message, default: 0] >= count { return true }
                state.waiters.append((message, count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
