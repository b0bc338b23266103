public import AerCore
import Metrics
import Prometheus
import Synchronization

/// How an ingest request ended.
public enum IngestOutcome: String, Sendable, Hashable, CaseIterable {
    /// Committed to the event log and answered 200.
    case accepted
    /// Malformed JSON, an invalid message, an unsupported encoding or a body over the per-message limit (400, 415).
    case invalid
    /// No or an unknown write key (401).
    case unauthorized
    /// The body was larger than `server.max_body` (413).
    case tooLarge = "too_large"
    /// The store failed; the sender was told to retry (503).
    case unavailable
}

/// The daemon's metrics, recorded by the parts that know (ingest, engine, dispatcher, configuration loading)
/// and exposed in the Prometheus text format for `GET /metrics`.
///
/// Each instance has a registry of its own, so tests and several daemons in one process never share counts;
/// nothing is bootstrapped globally.
public final class DaemonMetrics: Sendable {
    /// The `Content-Type` of `exposition()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let factory: DocumentedFactory
    private let ingest: IngestInstruments
    private let engineLag: Meter
    private let timersDue: Meter
    private let reloadSuccessful: Meter
    private let reloadSuccessTime: Meter
    /// The serving configuration's fingerprint and its info series.
    private let configInfo = Mutex<(fingerprint: String, series: Meter)?>(nil)

    /// An empty registry with aerd's families.
    public init() {
        let factory = DocumentedFactory(registry: PrometheusCollectorRegistry(), definitions: MetricCatalog.all)
        self.factory = factory
        ingest = IngestInstruments(factory: factory)
        engineLag = Meter(label: MetricCatalog.engineLag.name, factory: factory)
        timersDue = Meter(label: MetricCatalog.timersDue.name, factory: factory)
        reloadSuccessful = Meter(label: MetricCatalog.reloadSuccessful.name, factory: factory)
        reloadSuccessTime = Meter(label: MetricCatalog.reloadSuccessTime.name, factory: factory)
    }

    /// Every series in the Prometheus text exposition format (version 0.0.4).
    public func exposition() -> String { factory.registry.emitToString() }

    // MARK: Ingest

    /// Counts one ingest request and its body.
    /// - Parameters:
    ///   - type: the endpoint's message type; nil for `/v1/batch` and `/v1/import`.
    ///   - outcome: how the request ended.
    ///   - bytes: the body's size as received (before gzip decoding); 0 when it was not read.
    public func ingestRequest(type: EventType?, outcome: IngestOutcome, bytes: Int) {
        ingest.request(type: type, outcome: outcome, bytes: bytes)
    }

    /// Counts the events of a valid request by their type.
    /// - Parameters:
    ///   - events: the request's events.
    ///   - outcome: `.accepted` when committed, `.unavailable` when the store failed.
    ///   - duplicates: how many of them were already stored (re-sends).
    public func ingestedEvents(_ events: [Event], outcome: IngestOutcome, duplicates: Int = 0) {
        ingest.events(events, outcome: outcome, duplicates: duplicates)
    }

    // MARK: Engine

    /// Counts committed migrations by set, from and to (an empty label for "not a member").
    public func migrated(_ migrations: [Migration]) {
        struct Move: Hashable {
            var set, from, to: String
        }
        var counts: [Move: Int] = [:]
        for migration in migrations {
            counts[Move(set: migration.set, from: migration.from ?? "", to: migration.to ?? ""), default: 0] += 1
        }
        for (move, count) in counts {
            CoreMetrics.Counter(
                label: MetricCatalog.migrations.name, dimensions: [("set", move.set), ("from", move.from), ("to", move.to)],
                factory: factory
            ).increment(by: count)
        }
    }

    // MARK: Dispatch

    /// Counts an outbox row the dispatcher finished.
    /// - Parameters:
    ///   - strategy: the row's strategy.
    ///   - channel: the row's channel.
    ///   - outcome: `sent`, `retry`, `dead`, `skipped`, `held_out` or `deferred`.
    public func actionFinished(strategy: String, channel: String, outcome: String) {
        CoreMetrics.Counter(
            label: MetricCatalog.actions.name, dimensions: [("strategy", strategy), ("channel", channel), ("outcome", outcome)],
            factory: factory
        ).increment()
    }

    /// Records how long one delivery through a channel plugin took.
    public func delivered(channel: String, in duration: Duration) {
        Timer(label: MetricCatalog.deliveryLatency.name, dimensions: [("channel", channel)], factory: factory)
            .record(duration: duration)
    }

    // MARK: Scrape-time state

    /// Sets what is waiting, as read from the store just before a scrape.
    /// - Parameters:
    ///   - outbox: rows per status; give every status (zeros too) so a drained status reads 0.
    ///   - engineLag: age of the oldest event the engine has not folded in; zero when caught up.
    ///   - timersDue: customers whose time-driven re-evaluation is due.
    public func backlog(outbox: [String: Int], engineLag lag: Duration, timersDue due: Int) {
        for (status, count) in outbox {
            Meter(label: MetricCatalog.outboxDepth.name, dimensions: [("status", status)], factory: factory).set(count)
        }
        let (seconds, attoseconds) = lag.components
        engineLag.set(Double(seconds) + Double(attoseconds) / 1e18)
        timersDue.set(due)
    }

    // MARK: Configuration

    /// Records an attempt to load the configuration (at start and on every reload).
    /// - Parameters:
    ///   - successful: whether it loaded and now serves; false keeps the previous one serving.
    ///   - fingerprint: `AerConfiguration.fingerprint` of the configuration loaded; unused when the load failed,
    ///     since the previous configuration, with its fingerprint, keeps serving.
    ///   - time: when it was loaded.
    public func configLoaded(successful: Bool, fingerprint: String, at time: Timestamp) {
        reloadSuccessful.set(successful ? 1 : 0)
        guard successful else { return }
        reloadSuccessTime.set(Double(time.millis) / 1000)
        configInfo.withLock { current in
            guard current?.fingerprint != fingerprint else { return }
            current?.series.destroy()
            let series = Meter(label: MetricCatalog.configInfo.name, dimensions: [("fingerprint", fingerprint)], factory: factory)
            series.set(1)
            current = (fingerprint, series)
        }
    }
}

/// The ingest counters, made once for every message type and outcome: the hot path only indexes and adds.
private struct IngestInstruments: Sendable {
    /// `[type][outcome]`; the type index is `EventType.allCases`' order, then batch.
    private let requestCounters: [[CoreMetrics.Counter]]
    private let byteCounters: [[CoreMetrics.Counter]]
    /// `[type][outcome]` for accepted and unavailable.
    private let eventCounters: [[CoreMetrics.Counter]]
    private let duplicateCounter: CoreMetrics.Counter

    init(factory: DocumentedFactory) {
        let types = EventType.allCases.map(\.rawValue) + ["batch"]
        func table(_ definition: MetricDefinition, types: [String], outcomes: [IngestOutcome]) -> [[CoreMetrics.Counter]] {
            types.map { type in
                outcomes.map { CoreMetrics.Counter(label: definition.name, dimensions: [("type", type), ("outcome", $0.rawValue)], factory: factory) }
            }
        }
        requestCounters = table(MetricCatalog.ingestRequests, types: types, outcomes: IngestOutcome.allCases)
        byteCounters = table(MetricCatalog.ingestBytes, types: types, outcomes: IngestOutcome.allCases)
        eventCounters = table(MetricCatalog.ingestEvents, types: EventType.allCases.map(\.rawValue), outcomes: [.accepted, .unavailable])
        duplicateCounter = CoreMetrics.Counter(label: MetricCatalog.ingestDuplicates.name, factory: factory)
    }

    private static func index(_ type: EventType?) -> Int {
        guard let type else { return EventType.allCases.count }
        return EventType.allCases.firstIndex(of: type)!
    }

    private static func index(_ outcome: IngestOutcome) -> Int { IngestOutcome.allCases.firstIndex(of: outcome)! }

    func request(type: EventType?, outcome: IngestOutcome, bytes size: Int) {
        let (row, column) = (Self.index(type), Self.index(outcome))
        requestCounters[row][column].increment()
        if size > 0 { byteCounters[row][column].increment(by: size) }
    }

    func events(_ batch: [Event], outcome: IngestOutcome, duplicates count: Int) {
        let column = outcome == .accepted ? 0 : 1
        var perType = [Int](repeating: 0, count: EventType.allCases.count)
        for event in batch { perType[Self.index(event.type)] += 1 }
        for (row, count) in perType.enumerated() where count > 0 { eventCounters[row][column].increment(by: count) }
        if count > 0 { duplicateCounter.increment(by: count) }
    }
}
