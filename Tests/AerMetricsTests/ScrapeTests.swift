import AerConfig
import AerCore
import AerDispatch
import AerEngine
import AerJSON
import AerMetrics
import AerPluginAPI
import AerServer
import AerStore
import ChannelTestKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

private let t0 = Timestamp(iso8601: "2026-11-24T10:00:00Z")!
private let writeKey = "wk_metrics"
private let adminToken = "admin-metrics"
private let admin: HTTPFields = [.authorization: "Bearer \(adminToken)"]
private let writer: HTTPFields = [
    .authorization: "Basic " + Data("\(writeKey):".utf8).base64EncodedString(), .contentType: "application/json",
]

private let rules = RuleSet(segments: [], lifecycles: [LifecycleSet(id: "lifecycle", stages: [
    Stage(id: "active", condition: .event(EventRule(name: "Order Completed", within: .days(60)))),
    Stage(id: "prospect", condition: nil),
])])

/// Lets every row through.
private struct OpenGate: DeliveryGate {
    func check(_ entry: OutboxEntry, channel: ConfiguredChannel, now: Timestamp) async throws -> GateDecision { .send }
}

/// The daemon's parts on one store, one manual clock and one set of metrics; the server on 127.0.0.1.
private struct Daemon {
    let clock = ManualWallClock(t0)
    let metrics = DaemonMetrics()
    let store: SQLiteStore
    let server: APIServer

    init() throws {
        store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-metrics-" + UUID().uuidString + "/aerd.sqlite", clock: clock)
        server = APIServer(
            options: ServerOptions(host: "127.0.0.1", port: 0, maxBodyBytes: 1 << 20, adminToken: adminToken,
                                   writeKeys: [.init(source: "web", key: writeKey)]),
            store: store, clock: clock, metrics: metrics)
    }

    /// Two outbox rows of strategy `win_back`: one for the webhook channel `hook`, one for a channel no longer configured.
    func enqueue() async throws {
        var commit = SegmentationCommit()
        for (index, channel) in ["hook", "retired"].enumerated() {
            let message: JSONObject = [
                "recipient": ["customerId": "ada", "email": "ada@example.com"], "text": "We miss you", "payload": ["n": .number(Double(index))],
            ]
            commit.firings.append(NewFiring(
                strategy: "win_back", trigger: "drifting", profileId: 1, migrationIndex: nil, eventSeq: Int64(index + 1), at: t0, goal: nil,
                actions: [NewAction(idempotencyKey: "win_back.\(index)", channel: channel, template: "t", status: .pending, dueAt: t0, message: message)]))
        }
        try await store.commit(commit)
    }

    /// One dispatcher round with a webhook channel posting to `url`.
    func dispatch(to url: String) async throws {
        let definition = ChannelDefinition(
            id: "hook", type: .webhook, settings: ["url": .string(url), "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
            location: SourceLocation(file: "aerd.yaml", line: 1, column: 1))
        let channels = try await ChannelRegistry.build([definition], context: ChannelContext(logger: Logger(label: "channels"), userAgent: "aerd/test")).get()
        let dispatcher = Dispatcher(
            store: store, channels: channels, gate: OpenGate(), clock: clock, logger: Logger(label: "dispatch-test"),
            settings: DispatchSettings(owner: "metrics-test"), metrics: metrics)
        let records = try await dispatcher.dispatchDue()
        await ChannelRegistry.shutdown(channels)
        #expect(records.count == 2)
    }
}

private func scrape(_ client: some TestClientProtocol) async throws -> Exposition {
    try await client.execute(uri: "/metrics", method: .get, headers: admin) { response in
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == DaemonMetrics.contentType)
        return Exposition(String(buffer: response.body))
    }
}

@Suite("GET /metrics")
struct ScrapeTests {
    @Test("ingest, engine, dispatcher, outbox and configuration show up with their values and pass promtool check metrics")
    func wholeDaemon() async throws {
        let daemon = try Daemon()
        daemon.metrics.configLoaded(successful: true, fingerprint: "3f2a9c", at: t0)
        try await withHTTPReceiver { base, _ in
            try await daemon.server.application(logger: Logger(label: "test")).test(.live) { client in
                let order = #"{"userId":"ada","event":"Order Completed","messageId":"m1"}"#
                try await client.execute(uri: "/v1/track", method: .post, headers: writer, body: ByteBuffer(string: order)) {
                    #expect($0.status == .ok)
                }
                let batch = #"{"batch":[{"type":"identify","userId":"bo","messageId":"m2"},{"type":"track","userId":"bo","event":"Page Viewed","messageId":"m3"},{"type":"track","userId":"ada","event":"Order Completed","messageId":"m1"}]}"#
                try await client.execute(uri: "/v1/batch", method: .post, headers: writer, body: ByteBuffer(string: batch)) {
                    #expect($0.status == .ok)
                }
                try await client.execute(uri: "/v1/track", method: .post, headers: writer, body: ByteBuffer(string: "{oops")) {
                    #expect($0.status == .badRequest)
                }
                try await client.execute(uri: "/v1/page", method: .post, body: ByteBuffer(string: "{}")) { #expect($0.status == .unauthorized) }

                // Five seconds on, the engine has not run yet.
                daemon.clock.advance(by: .seconds(5))
                let before = try await scrape(client)
                #expect(before["aerd_engine_lag_seconds"] == 5)

                try await stepEngine(store: daemon.store, rules: rules, clock: daemon.clock, metrics: daemon.metrics)
                try await daemon.enqueue()
                try await daemon.dispatch(to: base + "/hook")
                let metrics = try await scrape(client)

                #expect(metrics[#"aerd_ingest_requests_total{type="track",outcome="accepted"}"#] == 1)
                #expect(metrics[#"aerd_ingest_requests_total{type="batch",outcome="accepted"}"#] == 1)
                #expect(metrics[#"aerd_ingest_requests_total{type="track",outcome="invalid"}"#] == 1)
                #expect(metrics[#"aerd_ingest_requests_total{type="page",outcome="unauthorized"}"#] == 1)
                #expect(metrics[#"aerd_ingest_bytes_total{type="track",outcome="accepted"}"#] == Double(order.utf8.count))
                #expect(metrics[#"aerd_ingest_bytes_total{type="batch",outcome="accepted"}"#] == Double(batch.utf8.count))
                #expect(metrics[#"aerd_ingest_events_total{type="track",outcome="accepted"}"#] == 3)
                #expect(metrics[#"aerd_ingest_events_total{type="identify",outcome="accepted"}"#] == 1)
                #expect(metrics["aerd_ingest_duplicate_events_total"] == 1)

                #expect(metrics[#"aerd_engine_migrations_total{set="lifecycle",from="",to="active"}"#] == 1)
                #expect(metrics[#"aerd_engine_migrations_total{set="lifecycle",from="",to="prospect"}"#] == 1)
                #expect(metrics["aerd_engine_lag_seconds"] == 0)
                #expect(metrics["aerd_engine_timers_due"] == 0)

                #expect(metrics[#"aerd_dispatch_actions_total{strategy="win_back",channel="hook",outcome="sent"}"#] == 1)
                #expect(metrics[#"aerd_dispatch_actions_total{strategy="win_back",channel="retired",outcome="dead"}"#] == 1)
                #expect(metrics[#"aerd_dispatch_delivery_seconds_count{channel="hook"}"#] == 1)
                #expect(metrics[#"aerd_dispatch_delivery_seconds_bucket{channel="hook",le="+Inf"}"#] == 1)
                #expect(metrics.hasSeries("aerd_dispatch_delivery_seconds_bucket", containing: #"le="0.005""#))
                #expect(metrics.hasSeries("aerd_dispatch_delivery_seconds_bucket", containing: #"le="30.0""#))

                #expect(metrics[#"aerd_outbox_messages{status="sent"}"#] == 1)
                #expect(metrics[#"aerd_outbox_messages{status="dead"}"#] == 1)
                #expect(metrics[#"aerd_outbox_messages{status="pending"}"#] == 0)

                #expect(metrics["aerd_config_last_reload_successful"] == 1)
                #expect(metrics["aerd_config_last_reload_success_timestamp_seconds"] == Double(t0.millis) / 1000)
                #expect(metrics[#"aerd_config_info{fingerprint="3f2a9c"}"#] == 1)

                // Sixty days on, ada's order leaves the `active` window: her re-evaluation is due.
                daemon.clock.advance(by: .days(61))
                #expect(try await scrape(client)["aerd_engine_timers_due"] == 1)

                let verdict = try #require(try promtoolCheck(metrics.text))
                #expect(verdict.status == 0, "promtool check metrics: \(verdict.output)")
                #expect(verdict.output.isEmpty, "promtool check metrics: \(verdict.output)")
            }
        }
    }

    @Test("without the admin token /metrics is 401")
    func needsAdminToken() async throws {
        let daemon = try Daemon()
        try await daemon.server.application(logger: Logger(label: "test")).test(.live) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
        }
    }
}
