import AerAutomation
import AerConfig
import AerCore
import AerEngine
import AerIngest
import AerJSON
import AerStore
import ArgumentParser
import Foundation

/// `aerd simulate`: replays an event file through the engine on a virtual clock — a backtest.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay Segment events through the engine on a virtual clock; print every migration and every action the policies would send or skip.",
        discussion: """
            The events (NDJSON, one Segment message with "type" and "timestamp" per line) go into a scratch
            store that is deleted afterwards: a running daemon's store is never touched and nothing is sent.
            The virtual clock follows the events, firing timers on the way, and runs on to --until.
            Events before --from build history silently; migrations are printed from --from on.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, ndjson
    }

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("NDJSON file of Segment messages.", valueName: "file"))
    var events: String

    @Option(name: .long, help: ArgumentHelp("Print migrations from this instant (ISO 8601).", valueName: "time"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Run the clock on to this instant (ISO 8601; default: the last event).", valueName: "time"))
    var until: String?

    @Option(name: .long, help: "text, json or ndjson.")
    var format: Format = .text

    func validate() throws {
        for (flag, value) in [("--from", from), ("--until", until)] {
            if let value, Timestamp(iso8601: value) == nil {
                throw ValidationError("\(flag) '\(value)' is not an ISO 8601 time like 2026-11-24 or 2026-11-24T09:30:00Z")
            }
        }
    }

    func run() async throws {
        let configuration = try options.load()
        let loaded: [Event]
        do {
            loaded = try SimulationInput.read(path: events)
        } catch {
            printError("aerd simulate: \(error)")
            throw SysExit.failure
        }
        guard let firstTime = loaded.map(\.timestamp).min() else {
            printError("aerd simulate: \(events) holds no events")
            throw SysExit.failure
        }
        let start = from.flatMap { Timestamp(iso8601: $0) }
        let end = until.flatMap { Timestamp(iso8601: $0) } ?? loaded.map(\.timestamp).max()!

        let scratch = NSTemporaryDirectory() + "aerd-simulate-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let clock = ManualWallClock(firstTime)
        let store = try SQLiteStore(path: scratch + "/simulation.sqlite", clock: clock, durability: .normal)
        for chunk in stride(from: 0, to: loaded.count, by: 1000) {
            _ = try await store.append(Array(loaded[chunk..<min(chunk + 1000, loaded.count)]))
        }

        let assembly = try Assembly(configuration)
        var runner = SegmentationRunner(store: store, rules: assembly.rules)
        runner.planner = Automation(catalog: assembly.catalog, store: store, renderer: assembly.renderer)
        var migrations = try await runner.start(now: firstTime)
        migrations += try await runner.simulate(until: end)
        var actions = try await SimulatedDispatch(store: store, assembly: assembly).run()
        if let start {
            migrations.removeAll { $0.at < start }
            actions.removeAll { ($0.sentAt ?? $0.dueAt) < start }
        }
        // Customers are independent, so timers fire customer by customer; print in the order things happened.
        migrations = migrations.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        var customers: [Int64: String] = [:]
        for id in Set(migrations.map(\.profileId) + actions.map(\.profileId)) {
            let profile = try await store.profile(matching: String(id))
            customers[id] = profile?.userIds.first ?? profile?.anonymousIds.first ?? String(id)
        }
        try await store.close()
        print(MigrationListing(migrations: migrations, actions: actions, customers: customers).render(format))
    }
}
