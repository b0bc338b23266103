import AerAnalytics
import AerConfig
import AerCore
import AerJSON
import AerStore
import AerValuation
import ArgumentParser
import Foundation

/// `aerd report clv`: the Markov-chain value of each stage of a lifecycle set (Pfeifer & Carraway), and the
/// value at stake in each observed migration, V(to) − V(from), from the store's own history.
struct CLVReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Lifetime value per lifecycle stage and of each migration, from recorded migrations and revenue.",
        discussion: """
            Per period P (default 30d) over the window: P(A→B) = moves A→B ÷ customer-periods spent in A (customers
            in A at each period start), P(A→A) the rest; reward(A) = margin × revenue while in A ÷ customer-periods
            in A; V = (I − P/(1+d))⁻¹ R with d the configured yearly discount_rate per period. margin and
            discount_rate come from analytics: in aerd.yaml (defaults 1.0 and 0.1). See docs/analytics.md.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("State directory (overrides state_dir).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: "The lifecycle set (default: the first).")
    var set: String?

    @Option(name: .long, help: ArgumentHelp("Window start: a duration before now (365d) or an ISO 8601 time.", valueName: "when"))
    var since: String = "365d"

    @Option(name: .long, help: ArgumentHelp("The period of the chain (30d).", valueName: "duration"))
    var period: String = "30d"

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, svg
    }

    @Option(name: .long, help: "table, json, csv or svg (a chart a browser opens).")
    var format: Format = .table

    /// Rounds to cents and drops the sign of a zero (solver noise prints as -0.00 otherwise).
    static func tidy(_ value: Double) -> Double {
        let rounded = (value * 100).rounded() / 100
        return rounded == 0 ? 0 : rounded
    }

    func validate() throws {
        if ReportWindow.instant(since, now: Timestamp(millis: 0)) == nil {
            throw ValidationError("--since '\(since)' must be a duration before now (365d) or an ISO 8601 time")
        }
        guard let length = AerDuration(parsing: period), length.millis > 0 else {
            throw ValidationError("--period '\(period)' is not a duration; \(AerDuration.syntaxHint)")
        }
    }

    func run() async throws {
        let configuration = try options.load()
        guard let lifecycle = set.map({ configuration.lifecycle($0) }) ?? configuration.lifecycles.first else {
            printError("aerd report clv: no lifecycle set '\(set ?? "")'; known: \(configuration.lifecycles.map(\.id).joined(separator: ", "))")
            throw SysExit.usage
        }
        let now = SystemWallClock().now()
        let start = ReportWindow.instant(since, now: now)!
        let length = AerDuration(parsing: period)!
        let margin = configuration.analytics?.margin ?? 1
        let stages = lifecycle.stages.map(\.id)

        let store = try ReportWindow.openStore(configuration, state: state)
        let estimate: StageValues
        do {
            estimate = try await StageValues.estimate(
                set: lifecycle.id, stages: stages, store: store, since: start, until: now, period: length, margin: margin,
                yearlyDiscountRate: configuration.analytics?.discountRate ?? 0.1)
        } catch let error as AnalyticsError {
            try await store.close()
            printError("aerd report clv: \(error)")
            throw SysExit.failure
        }
        let members = try await store.memberCounts()[lifecycle.id] ?? [:]
        try await store.close()
        let values = estimate.values.mapValues(Self.tidy)
        let observed = estimate.migrations.compactMap { move -> (from: String, to: String, count: Int, stake: Double)? in
            guard let from = move.from, let to = move.to, let a = values[from], let b = values[to] else { return nil }
            return (from, to, move.count, b - a)
        }
        let total = observed.reduce(0) { $0 + Double($1.count) * $1.stake }
        switch format {
        case .table:
            print("lifetime value by stage of \(lifecycle.id), \(estimate.periods) periods of \(length) since \(start.iso8601) (margin \(margin), discount \(String(format: "%.3f", estimate.discountRate * 100))% per period)")
            for stage in stages {
                print("  \(stage.padding(toLength: 12, withPad: " ", startingAt: 0)) members \(String(members[stage] ?? 0).padding(toLength: 8, withPad: " ", startingAt: 0)) value \(String(format: "%.2f", values[stage] ?? 0))")
            }
            print("migrations (value at stake = V(to) − V(from)):")
            for move in observed {
                print("  \(move.from) → \(move.to): \(move.count) × \(String(format: "%+.2f", move.stake)) = \(String(format: "%+.2f", Double(move.count) * move.stake))")
            }
            print("total value migrated: \(String(format: "%+.2f", total))")
        case .csv:
            print("kind,from,to,members_or_count,value")
            for stage in stages { print("stage,\(stage),,\(members[stage] ?? 0),\(String(format: "%.4f", values[stage] ?? 0))") }
            for move in observed { print("migration,\(move.from),\(move.to),\(move.count),\(String(format: "%.4f", move.stake))") }
        case .svg:
            print(CLVChart(
                set: lifecycle.id, stages: stages.map { ($0, members[$0] ?? 0, values[$0] ?? 0) },
                migrations: observed.map { ($0.from, $0.to, $0.count, $0.stake) }).render())
        case .json:
            print(JSONWriter.string([
                "set": .string(lifecycle.id), "since": .string(start.iso8601), "period": .string(length.description),
                "stages": .array(stages.map { ["stage": .string($0), "members": .number(Double(members[$0] ?? 0)), "value": .number(values[$0] ?? 0)] }),
                "migrations": .array(observed.map { ["from": .string($0.from), "to": .string($0.to), "count": .number(Double($0.count)), "valueAtStake": .number($0.stake)] }),
                "totalValueMigrated": .number(total),
            ], pretty: true))
        }
    }
}
