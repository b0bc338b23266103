import AerCore
import AerEngine
import AerMetrics
import AerStore
import Foundation
import Logging
import Testing

/// The samples of a Prometheus text exposition, by series as written (`name{label="value",…}`).
struct Exposition {
    let text: String
    let samples: [String: Double]

    init(_ text: String) {
        self.text = text
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    subscript(_ series: String) -> Double? { samples[series] }

    /// Whether any series of the family `name` carries `label`.
    func hasSeries(_ name: String, containing label: String) -> Bool {
        samples.keys.contains { $0.hasPrefix(name + "{") && $0.contains(label) }
    }
}

/// What `promtool check metrics` said about an exposition.
struct PromtoolVerdict {
    var status: Int32
    var output: String
}

/// Runs `promtool check metrics` on `text`; records a failure naming the fix when promtool is not installed.
func promtoolCheck(_ text: String) throws -> PromtoolVerdict? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
    guard let promtool = directories.map({ $0 + "/promtool" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
        Issue.record("promtool is not installed: run scripts/prerequisites --test (Debian package prometheus)")
        return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: promtool)
    process.arguments = ["check", "metrics"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(text.utf8))
    try input.fileHandleForWriting.close()
    let said = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return PromtoolVerdict(status: process.terminationStatus, output: String(decoding: said, as: UTF8.self))
}

/// Runs the engine service until it has committed every event now in the log, then stops it.
func stepEngine(store: SQLiteStore, rules: RuleSet, clock: any WallClock, metrics: DaemonMetrics) async throws {
    let (iterations, iterated) = AsyncStream.makeStream(of: Void.self)
    let service = SegmentationService(
        store: store, rules: rules, clock: clock, wakeup: Wakeup(), logger: Logger(label: "engine-test"),
        pollInterval: .milliseconds(10), observer: .init(iteration: { iterated.yield() }), metrics: metrics)
    let engine = Task {
        defer { iterated.finish() }
        try await service.run()
    }
    let last = try await store.lastEventSeq()
    var caughtUp = false
    for await _ in iterations where try await SegmentationRunner.committedCursor(in: store) >= last {
        caughtUp = true
        break
    }
    engine.cancel()
    let ended = await engine.result
    if !caughtUp {
        try ended.get()
        Issue.record("the engine stopped before it had folded in every event")
    }
}
