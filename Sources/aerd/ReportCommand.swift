import AerAutomation
import AerConfig
import AerCore
import AerJSON
import AerStore
import ArgumentParser
import Foundation

/// `aerd report …`: reports over the store.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports over the store.", subcommands: [MigrationsReport.self, CampaignsReport.self, CLVReport.self])
}

/// `--state`, `--since` and `--until`, shared by the reports.
struct ReportWindow: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("State directory (overrides state_dir).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("Start of the period: a duration before now (30d) or an ISO 8601 time.", valueName: "when"))
    var since: String = "30d"

    @Option(name: .long, help: ArgumentHelp("End of the period (default now).", valueName: "when"))
    var until: String?

    func validate() throws {
        for (flag, value) in [("--since", Optional(since)), ("--until", until)] {
            if let value, Self.instant(value, now: Timestamp(millis: 0)) == nil {
                throw ValidationError("\(flag) '\(value)' must be a duration before now (30d) or an ISO 8601 time (2026-11-01)")
            }
        }
    }

    /// An ISO 8601 instant, or a duration meaning that long before `now`.
    static func instant(_ text: String, now: Timestamp) -> Timestamp? {
        Timestamp(iso8601: text) ?? AerDuration(parsing: text).map { now - $0 }
    }

    /// The period `[since, until)`.
    func interval(now: Timestamp) -> (start: Timestamp, end: Timestamp) {
        (Self.instant(since, now: now)!, until.flatMap { Self.instant($0, now: now) } ?? now)
    }

    /// The store the reports read; exits 1 with the reason when it cannot be opened.
    func openStore(_ configuration: AerConfiguration) throws -> SQLiteStore {
        try Self.openStore(configuration, state: state)
    }

    /// The store under `state` (or the configured state directory); exits 1 with the reason on failure.
    static func openStore(_ configuration: AerConfiguration, state: String?) throws -> SQLiteStore {
        do {
            return try SQLiteStore(path: configuration.storePath(stateDirectory: state), clock: SystemWallClock())
        } catch {
            printError("aerd report: \(error)")
            throw SysExit.failure
        }
    }
}

/// `aerd report migrations`: the migration matrix of a lifecycle set (or segment) over a period.
struct MigrationsReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrations",
        abstract: "The migration matrix: how many customers moved from each stage to each other, and the share of each row.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    @OptionGroup var options: ConfigOptions

    @OptionGroup var window: ReportWindow

    @Option(name: .long, help: "The lifecycle set or segment id.")
    var set: String

    @Option(name: .long, help: "table, json or csv.")
    var format: Format = .table

    func run() async throws {
        let configuration = try options.load()
        let stages: [String]
        if let lifecycle = configuration.lifecycle(set) {
            stages = lifecycle.stages.map(\.id)
        } else if configuration.segment(set) != nil {
            stages = [set]
        } else {
            let known = (configuration.lifecycles.map(\.id) + configuration.segments.map(\.id)).joined(separator: ", ")
            printError("aerd report: no lifecycle set or segment '\(set)'; known: \(known)")
            throw SysExit.usage
        }
        let (start, end) = window.interval(now: SystemWallClock().now())
        let store = try window.openStore(configuration)
        let counts = try await store.migrationCounts(set: set, since: start, until: end)
        try await store.close()
        let matrix = MigrationMatrix(stages: stages, counts: counts)
        switch format {
        case .table: print(matrix.table(set: set, since: start, until: end))
        case .csv: print(matrix.csv())
        case .json: print(JSONWriter.string(matrix.json(set: set, since: start, until: end), pretty: true))
        }
    }
}

/// `aerd report campaigns`: per strategy and trigger, what fired, was sent or skipped, and the uplift.
struct CampaignsReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Per strategy and trigger: fired, sent, skipped by reason, failed, held out, conversions and uplift (95% interval).")

    @OptionGroup var options: ConfigOptions

    @OptionGroup var window: ReportWindow

    @Option(name: .long, help: "table or json.")
    var format: MigrationsReport.Format = .table

    func run() async throws {
        let configuration = try options.load()
        let (start, end) = window.interval(now: SystemWallClock().now())
        let store = try window.openStore(configuration)
        let report = CampaignReport(outcomes: try await store.firingOutcomes(since: start, until: end))
        try await store.close()
        switch format {
        case .table, .csv:
            print("campaigns from \(start.iso8601) to \(end.iso8601)")
            print(report.table)
        case .json:
            print(JSONWriter.string(.array(report.rows.map { row in
                var object: JSONObject = [
                    "strategy": .string(row.strategy), "trigger": .string(row.trigger), "fired": .number(Double(row.fired)),
                    "sent": .number(Double(row.sent)), "failed": .number(Double(row.failed)), "held_out": .number(Double(row.heldOut)),
                    "pending": .number(Double(row.pending)),
                    "skipped": .object(JSONObject(row.skipped.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number(Double($0.value))) })),
                    "treatment": ["firings": .number(Double(row.treatment)), "conversions": .number(Double(row.treatmentConversions))],
                    "holdout": ["firings": .number(Double(row.control)), "conversions": .number(Double(row.controlConversions))],
                ]
                if let uplift = row.uplift {
                    object["uplift"] = ["estimate": .number(uplift.estimate), "low": .number(uplift.low), "high": .number(uplift.high)]
                }
                return .object(object)
            }), pretty: true))
        }
    }
}

/// Counts of moves from each stage to each other, with row shares.
struct MigrationMatrix {
    /// Row and column labels; `(none)` stands for "not placed yet" (from) or "left the segment" (to).
    static let none = "(none)"
    var rows: [String]
    var columns: [String]
    var counts: [String: [String: Int]]

    init(stages: [String], counts list: [MigrationCount]) {
        var counts: [String: [String: Int]] = [:]
        for entry in list { counts[entry.from ?? Self.none, default: [:]][entry.to ?? Self.none, default: 0] += entry.count }
        self.counts = counts
        let used = Set(list.flatMap { [$0.from ?? Self.none, $0.to ?? Self.none] })
        rows = ([Self.none] + stages).filter { counts[$0] != nil }
        columns = (stages + [Self.none]).filter { used.contains($0) }
    }

    func total(_ row: String) -> Int { counts[row]?.values.reduce(0, +) ?? 0 }

    func share(_ row: String, _ column: String) -> Double {
        let total = total(row)
        return total == 0 ? 0 : Double(counts[row]?[column] ?? 0) / Double(total)
    }

    func table(set: String, since: Timestamp, until: Timestamp) -> String {
        var lines = ["migrations in \(set) from \(since.iso8601) to \(until.iso8601)"]
        guard !rows.isEmpty else { return lines[0] + "\nno migrations in this period" }
        let cells = rows.map { row in columns.map { column -> String in
            let count = counts[row]?[column] ?? 0
            return count == 0 ? "·" : "\(count) (\(String(format: "%.2f", share(row, column))))"
        } }
        let header = ["from \\ to"] + columns + ["total"]
        let body = zip(rows, cells).map { [$0] + $1 + [String(total($0))] }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max() ?? 0 }
        func render(_ row: [String]) -> String {
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingWhitespace()
        }
        lines.append(render(header))
        lines += body.map(render)
        return lines.joined(separator: "\n")
    }

    func csv() -> String {
        var lines = ["from,to,count,share"]
        for row in rows {
            for column in columns where (counts[row]?[column] ?? 0) > 0 {
                lines.append("\(row),\(column),\(counts[row]![column]!),\(String(format: "%.4f", share(row, column)))")
            }
        }
        return lines.joined(separator: "\n")
    }

    func json(set: String, since: Timestamp, until: Timestamp) -> JSONValue {
        var cells: [JSONValue] = []
        for row in rows {
            for column in columns where (counts[row]?[column] ?? 0) > 0 {
                cells.append([
                    "from": row == Self.none ? .null : .string(row), "to": column == Self.none ? .null : .string(column),
                    "count": .number(Double(counts[row]![column]!)), "share": .number((share(row, column) * 10000).rounded() / 10000),
                ])
            }
        }
        return ["set": .string(set), "since": .string(since.iso8601), "until": .string(until.iso8601), "migrations": .array(cells)]
    }
}
