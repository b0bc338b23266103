import AerAnalytics
public import AerCore
public import AerStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Markov-chain value of each stage of a lifecycle set (Pfeifer & Carraway), estimated from the store's
/// own history over a window: what `aerd report clv` shows and what a refit records for the value at stake of
/// a migration, V(to) − V(from).
///
/// Per period of the chain, exposure(A) = Σ over period starts in the window of the customers in A then;
/// P(A→B) = migrations A→B ÷ exposure(A) (rows rescaled when they exceed 1), P(A→A) the rest; a stage nobody
/// was in is absorbing; R(A) = margin × revenue ordered while in A ÷ exposure(A); V = (I − P/(1+d))⁻¹ R.
public struct StageValues: Sendable, Hashable {
    /// The lifecycle set.
    public var set: String
    /// Its stages, in configuration order.
    public var stages: [String]
    /// How many periods of the chain the window holds.
    public var periods: Int
    /// The discount rate per period, from the yearly rate.
    public var discountRate: Double
    /// Customer-periods spent in each stage over the window (stages nobody was in are absent).
    public var exposure: [String: Double]
    /// V per stage.
    public var values: [String: Double]
    /// The migrations of the set in the window, counted by from → to (`from` nil for first placements).
    public var migrations: [MigrationCount]

    /// Estimates the chain of a lifecycle set from the store and values its stages.
    /// - Parameters:
    ///   - set: The lifecycle set's id.
    ///   - stages: Its stage ids.
    ///   - store: Where migrations and revenue are read.
    ///   - since: The window's start.
    ///   - until: The window's end (now).
    ///   - period: The period of the chain (> 0).
    ///   - margin: Fraction of revenue that is value.
    ///   - yearlyDiscountRate: Yearly discount rate, converted to the period.
    /// - Returns: The values of the stages and what they were estimated from.
    /// - Throws: `AnalyticsError` when the chain cannot be valued (e.g. `unboundedValue` with no discount);
    ///   the store's error when it fails.
    public static func estimate(
        set: String, stages: [String], store: any AdminQueries, since: Timestamp, until: Timestamp, period: AerDuration,
        margin: Double, yearlyDiscountRate: Double
    ) async throws -> StageValues {
        let discount = pow(1 + yearlyDiscountRate, Double(period.millis) / Double(AerDuration.days(365).millis)) - 1
        var exposure: [String: Double] = [:]
        var boundary = since
        var periods = 0
        while boundary < until {
            for (stage, count) in try await store.stageCounts(set: set, at: boundary) { exposure[stage, default: 0] += Double(count) }
            boundary = boundary + period
            periods += 1
        }
        let moves = try await store.migrationCounts(set: set, since: since, until: until)
        let revenue = try await store.stageRevenue(set: set, since: since, until: until)

        var transition = stages.map { _ in stages.map { _ in 0.0 } }
        var reward = stages.map { _ in 0.0 }
        for (i, from) in stages.enumerated() {
            let time = exposure[from] ?? 0
            guard time > 0 else {
                transition[i][i] = 1
                continue
            }
            var out = 0.0
            for move in moves where move.from == from {
                guard let to = move.to, let j = stages.firstIndex(of: to), j != i else { continue }
                transition[i][j] += Double(move.count) / time
                out += Double(move.count) / time
            }
            if out > 1 { for j in stages.indices where j != i { transition[i][j] /= out } }
            transition[i][i] = max(0, 1 - min(out, 1))
            reward[i] = margin * (revenue[from] ?? 0) / time
        }
        let values = try MarkovCLV(states: stages, transition: transition, reward: reward, discountRate: discount).values()
        return StageValues(
            set: set, stages: stages, periods: periods, discountRate: discount, exposure: exposure.filter { $0.value > 0 },
            values: values, migrations: moves)
    }
}
