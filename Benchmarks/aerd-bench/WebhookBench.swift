import AerConfig
import AerCore
import AerDispatch
import AerJSON
import AerPluginAPI
import AerStore
import ArgumentParser
import Foundation
import Logging
import Synchronization

/// Webhook deliveries per second from the outbox to a loopback receiver: the real dispatcher (leases,
/// per-channel concurrency) and the real webhook plugin (HMAC signing, HTTP client), policies open.
struct WebhookBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhook", abstract: "Webhook deliveries/s to a loopback receiver.")

    @Option var deliveries = 20_000
    @Option var concurrency = 32

    func run() async throws {
        let received = Atomic<Int>(0)
        try await withLoopbackReceiver(onPost: { _ in received.add(1, ordering: .relaxed) }) { port in
            let clock = SystemWallClock()
            let store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-webhook-bench-" + UUID().uuidString + "/aerd.sqlite", clock: clock, durability: .full)
            let now = clock.now()
            let payload: JSONObject = ["type": "aerd.action", "customer": ["id": "bench"], "message": ["text": "hello"]]
            for chunk in stride(from: 0, to: deliveries, by: 1000) {
                var step = SegmentationCommit()
                step.firings = (chunk..<min(chunk + 1000, deliveries)).map { index in
                    NewFiring(strategy: "bench", trigger: "t0", profileId: Int64(index), migrationIndex: nil, eventSeq: Int64(index), at: now, goal: nil, actions: [
                        NewAction(idempotencyKey: "bench.\(index)", channel: "webhook", template: "t", status: .pending, dueAt: now,
                                  message: ["recipient": ["customerId": .string("c\(index)")], "text": "hello", "payload": .object(payload)]),
                    ])
                }
                try await store.commit(step)
            }
            let definition = ChannelDefinition(
                id: "webhook", type: .webhook,
                settings: ["url": .string("http://127.0.0.1:\(port)/hook"), "secret": "whsec_ZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtY2hhbmdlLW1l",
                           "concurrency": .number(Double(concurrency))],
                location: SourceLocation(file: "bench", line: 1, column: 1))
            var logger = Logger(label: "bench")
            logger.logLevel = .error
            let channels = try await ChannelRegistry.build([definition], context: ChannelContext(logger: logger)).get()
            let dispatcher = Dispatcher(store: store, channels: channels, gate: OpenGate(), clock: clock, logger: logger)
            let start = ContinuousClock.now
            var sent = 0
            while sent < deliveries {
                let round = try await dispatcher.dispatchDue()
                if round.isEmpty { break }
                sent += round.filter { if case .sent = $0.outcome { true } else { false } }.count
            }
            let elapsed = ContinuousClock.now - start
            let time = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            await ChannelRegistry.shutdown(channels)
            try await store.close()
            print("webhook: \(sent) deliveries (\(received.load(ordering: .relaxed)) received) in \(String(format: "%.2f", time)) s = \(rate(sent, time)) deliveries/s (concurrency \(concurrency))")
        }
    }
}
