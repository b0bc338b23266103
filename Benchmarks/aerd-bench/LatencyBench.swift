import AerJSON
import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NIOCore
import Synchronization

/// End to end through a real `aerd run`: HTTP event acknowledged → migration committed → signed webhook
/// received on 127.0.0.1, under a steady load.
struct LatencyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency", abstract: "Event → migration and event → webhook latency through a running aerd (steady load).")

    @Option(help: "The aerd binary (release).") var aerd = ".build/release/aerd"
    @Option(help: "The example configuration directory.") var config = "config"
    @Option(help: "Events per second.") var rate = 50
    @Option(help: "Seconds of load.") var seconds = 20

    func run() async throws {
        let arrivals = Arrivals()
        try await withLoopbackReceiver(onPost: { body in
            if let value = try? JSONParser.parse(String(buffer: body)), let customer = value["customer"]?["id"]?.stringValue {
                arrivals.record(customer, ContinuousClock.now)
            }
        }) { port in
            try await measure(receiverPort: port, arrivals: arrivals)
        }
    }

    func measure(receiverPort: Int, arrivals: Arrivals) async throws {
        let work = NSTemporaryDirectory() + "aerd-latency-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: config, toPath: work + "/config")
        let main = work + "/config/aerd.yaml"
        try String(contentsOfFile: main, encoding: .utf8)
            .replacingOccurrences(of: "http://127.0.0.1:9000/aerd", with: "http://127.0.0.1:\(receiverPort)/aerd")
            .write(toFile: main, atomically: true, encoding: .utf8)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: aerd)
        daemon.arguments = ["run", "--config", work + "/config", "--state", work + "/state", "--listen", "127.0.0.1:18089"]
        var environment = ProcessInfo.processInfo.environment
        environment["AERD_WRITE_KEY"] = "bench_key"
        environment["AERD_ADMIN_TOKEN"] = "bench_admin"
        daemon.environment = environment
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let base = "http://127.0.0.1:18089"
        while true {
            let answer = try? await URLSession.shared.data(from: URL(string: base + "/readyz")!)
            if (answer?.1 as? HTTPURLResponse)?.statusCode == 200 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let auth = "Basic " + Data("bench_key:".utf8).base64EncodedString()
        var acknowledged: [String: (ContinuousClock.Instant, Date)] = [:]
        var sent: [String: Date] = [:]
        var ackLatencies: [Double] = []
        let total = rate * seconds
        let interval = Duration.milliseconds(1000 / max(rate, 1))
        let start = ContinuousClock.now
        for index in 0..<total {
            // Steady open-loop pacing: event i goes at start + i·interval.
            try await Task.sleep(until: start + interval * index, clock: .continuous)
            let customer = "c\(index)"
            var request = URLRequest(url: URL(string: base + "/v1/track")!)
            request.httpMethod = "POST"
            request.setValue(auth, forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"userId":"\#(customer)","event":"Order Completed","properties":{"order_id":"\#(index)","revenue":640}}"#.utf8)
            let sentAt = Date()
            _ = try await URLSession.shared.data(for: request)
            acknowledged[customer] = (ContinuousClock.now, Date())
            sent[customer] = sentAt
            ackLatencies.append(Date().timeIntervalSince(sentAt) * 1000)
        }
        try await Task.sleep(for: .seconds(2))
        // Event → webhook: receiver clock minus acknowledgement, same process clock.
        let received = arrivals.snapshot
        let webhook = acknowledged.compactMap { customer, ack in received[customer].map { milliseconds($0 - ack.0) } }.sorted()
        // Event → migration committed: the migration's `at` (engine commit time, wall clock) minus the acknowledgement.
        var migrationLatencies: [Double] = []
        var cursor = ""
        repeat {
            var request = URLRequest(url: URL(string: base + "/v1/migrations?set=top_spenders&limit=1000&cursor=\(cursor)")!)
            request.setValue("Bearer bench_admin", forHTTPHeaderField: "Authorization")
            let (data, _) = try await URLSession.shared.data(for: request)
            let page = try JSONParser.parse(String(decoding: data, as: UTF8.self))
            for migration in page["migrations"]?.arrayValue ?? [] {
                guard let customer = migration["customer"]?.stringValue, let at = migration["at"]?.stringValue,
                    let start = sent[customer], let committed = ISO8601DateFormatter.withFraction.date(from: at)
                else { continue }
                migrationLatencies.append(committed.timeIntervalSince(start) * 1000)
            }
            cursor = page["next_cursor"]?.stringValue ?? ""
        } while !cursor.isEmpty
        migrationLatencies.sort()
        ackLatencies.sort()
        print("load: \(total) events at \(rate)/s; \(webhook.count) webhooks received (the rest held out by the 10% control group)")
        print("event acknowledged → webhook received: p50 \(format(percentile(webhook, 0.5))) ms, p99 \(format(percentile(webhook, 0.99))) ms")
        print("event sent → acknowledged (committed to the log): p50 \(format(percentile(ackLatencies, 0.5))) ms, p99 \(format(percentile(ackLatencies, 0.99))) ms")
        print("event sent → migration evaluated and committed: p50 \(format(percentile(migrationLatencies, 0.5))) ms, p99 \(format(percentile(migrationLatencies, 0.99))) ms")
    }

    func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFraction: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

/// Webhook arrival times by customer, shared with the receiver's handlers.
final class Arrivals: Sendable {
    private let times = Mutex<[String: ContinuousClock.Instant]>([:])

    func record(_ customer: String, _ instant: ContinuousClock.Instant) { times.withLock { $0[customer] = instant } }

    var snapshot: [String: ContinuousClock.Instant] { times.withLock { $0 } }
}
