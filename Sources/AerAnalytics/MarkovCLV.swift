/// Counts of customers' stage-to-stage moves per period: the raw material of a migration matrix.
///
/// A period in which a customer stays in its stage is a move from the stage to itself; without those "stays"
/// the chain would think every customer leaves its stage every period.
public struct MigrationCounts: Sendable, Hashable, Codable {
    /// counts[from][to]: the number of customer-periods that went from `from` to `to`.
    public private(set) var counts: [String: [String: Int]] = [:]

    /// No moves yet.
    public init() {}

    /// Adds moves from one stage to another (or stays, when `from == to`).
    /// - Parameters:
    ///   - from: The stage at the start of the period.
    ///   - to: The stage at the end of the period.
    ///   - count: How many customer-periods made this move (≥ 0).
    public mutating func record(from: String, to: String, count: Int = 1) {
        counts[from, default: [:]][to, default: 0] += count
    }

    /// Adds customer-periods in which customers stayed in a stage.
    /// - Parameters:
    ///   - stage: The stage.
    ///   - count: How many customer-periods stayed.
    public mutating func recordStays(in stage: String, count: Int) {
        record(from: stage, to: stage, count: count)
    }

    /// The number of recorded moves from `from` to `to`.
    /// - Parameters:
    ///   - from: The stage at the start of the period.
    ///   - to: The stage at the end of the period.
    public func count(from: String, to: String) -> Int { counts[from]?[to] ?? 0 }
}

/// Customer lifetime value of stages and of migrations between them, from a Markov chain of stages
/// (Pfeifer & Carraway 2000, "Modeling Customer Relationships as Markov Chains").
///
/// Each period a customer in stage i earns reward Rᵢ (margin minus marketing cost) and moves to stage j with
/// probability Pᵢⱼ. The expected discounted value of a customer now in each stage is
/// V = Σₜ (P/(1+d))ᵗ R = (I − P/(1+d))⁻¹ R, and the value of a migration A → B is V(B) − V(A).
public struct MarkovCLV: Sendable, Hashable, Codable {
    /// Stage names, in the order of the matrix rows.
    public let states: [String]
    /// transition[i][j]: the probability that a customer in stage i is in stage j one period later.
    public let transition: [[Double]]
    /// reward[i]: the net contribution of a customer in stage i for one period.
    public let reward: [Double]
    /// d: the discount rate per period (0 means undiscounted).
    public let discountRate: Double

    /// A chain from its matrix and rewards.
    /// - Parameters:
    ///   - states: Unique stage names.
    ///   - transition: A row-stochastic matrix, one row and column per state (each row sums to 1).
    ///   - reward: Net contribution per period of a customer in each state.
    ///   - discountRate: Discount rate per period (≥ 0).
    /// - Throws: ``AnalyticsError/Code/invalidInput`` for duplicate states, a matrix of the wrong shape or a row
    ///   that is not a probability distribution; ``AnalyticsError/Code/invalidParameter`` for a negative or
    ///   non-finite discount rate.
    public init(states: [String], transition: [[Double]], reward: [Double], discountRate: Double) throws(AnalyticsError) {
        let n = states.count
        guard n > 0 else { throw AnalyticsError(.invalidInput, "a Markov chain needs at least one state") }
        guard Set(states).count == n else {
            throw AnalyticsError(.invalidInput, "state names must be unique, got \(states)")
        }
        guard transition.count == n, reward.count == n else {
            throw AnalyticsError(
                .invalidInput,
                "\(n) states need \(n) transition rows and \(n) rewards, got \(transition.count) and \(reward.count)")
        }
        for (i, row) in transition.enumerated() {
            guard row.count == n else {
                throw AnalyticsError(.invalidInput, "transition row '\(states[i])' has \(row.count) entries, expected \(n)")
            }
            guard row.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw AnalyticsError(.invalidInput, "transition row '\(states[i])' has a negative or non-finite probability")
            }
            let sum = row.reduce(0, +)
            guard abs(sum - 1) <= 1e-9 else {
                throw AnalyticsError(.invalidInput, "transition row '\(states[i])' sums to \(sum), not 1")
            }
            guard reward[i].isFinite else {
                throw AnalyticsError(.invalidInput, "reward of '\(states[i])' is not finite")
            }
        }
        guard discountRate >= 0, discountRate.isFinite else {
            throw AnalyticsError(.invalidParameter, "discount rate must be ≥ 0 per period, got \(discountRate)")
        }
        self.states = states
        self.transition = transition
        self.reward = reward
        self.discountRate = discountRate
    }

    private enum CodingKeys: String, CodingKey {
        case states, transition, reward, discountRate
    }

    /// Decodes a chain saved earlier, checking it as ``init(states:transition:reward:discountRate:)`` does.
    /// - Parameters:
    ///   - decoder: The decoder to read from.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self = try MarkovCLV(
            states: container.decode([String].self, forKey: .states),
            transition: container.decode([[Double]].self, forKey: .transition),
            reward: container.decode([Double].self, forKey: .reward),
            discountRate: container.decode(Double.self, forKey: .discountRate))
    }

    /// Estimates the chain from observed moves: Pᵢⱼ = countᵢⱼ / Σₖ countᵢₖ (stays included), and
    /// Rᵢ = margin per period − marketing cost per period.
    /// - Parameters:
    ///   - states: The stages, in the order wanted for the matrix.
    ///   - counts: Observed customer-periods per (from, to), stays as (stage, stage).
    ///   - absorbing: Stages that customers never leave (e.g. churned when win-back is not modelled); their row
    ///     is the identity and they need no observations.
    ///   - marginPerPeriod: Observed margin per customer-period in each stage (missing stages earn 0).
    ///   - marketingCostPerPeriod: Marketing spend per customer-period in each stage (missing stages cost 0).
    ///   - discountRate: Discount rate per period (≥ 0).
    /// - Returns: The estimated chain.
    /// - Throws: ``AnalyticsError/Code/unknownState`` for a count, margin or cost naming an unknown stage;
    ///   ``AnalyticsError/Code/invalidInput`` for a negative count, a non-absorbing stage with no observations,
    ///   or an absorbing stage that customers were seen leaving.
    public static func estimate(
        states: [String], counts: MigrationCounts, absorbing: Set<String> = [],
        marginPerPeriod: [String: Double], marketingCostPerPeriod: [String: Double] = [:], discountRate: Double
    ) throws(AnalyticsError) -> MarkovCLV {
        let index = Dictionary(states.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for (label, names) in [
            ("migration counts", Array(counts.counts.keys) + counts.counts.values.flatMap(\.keys)),
            ("absorbing stages", Array(absorbing)), ("margins", Array(marginPerPeriod.keys)),
            ("marketing costs", Array(marketingCostPerPeriod.keys)),
        ] {
            if let unknown = names.sorted().first(where: { index[$0] == nil }) {
                throw AnalyticsError(.unknownState, "\(label) name stage '\(unknown)', which is not one of \(states)")
            }
        }
        var transition: [[Double]] = []
        for (i, state) in states.enumerated() {
            let row = counts.counts[state] ?? [:]
            if let negative = row.first(where: { $0.value < 0 }) {
                throw AnalyticsError(
                    .invalidInput, "count of '\(state)' → '\(negative.key)' is negative (\(negative.value))")
            }
            let total = row.values.reduce(0, +)
            var probabilities = [Double](repeating: 0, count: states.count)
            if absorbing.contains(state) {
                let leaving = total - (row[state] ?? 0)
                if leaving > 0 {
                    throw AnalyticsError(
                        .invalidInput,
                        "stage '\(state)' is declared absorbing but \(leaving) customer-periods left it; "
                            + "do not declare it absorbing, or drop those moves")
                }
                probabilities[i] = 1
            } else {
                guard total > 0 else {
                    throw AnalyticsError(
                        .invalidInput,
                        "stage '\(state)' has no observed periods (no moves out and no stays); record its stays "
                            + "or declare it absorbing")
                }
                for (to, count) in row { probabilities[index[to]!] = Double(count) / Double(total) }
            }
            transition.append(probabilities)
        }
        let reward = states.map { (marginPerPeriod[$0] ?? 0) - (marketingCostPerPeriod[$0] ?? 0) }
        return try MarkovCLV(states: states, transition: transition, reward: reward, discountRate: discountRate)
    }

    /// Estimates the chain from a list of observed migrations and per-stage stay counts.
    /// - Parameters:
    ///   - states: The stages, in the order wanted for the matrix.
    ///   - migrations: One entry per customer-period that moved (a (stage, stage) entry counts as a stay).
    ///   - stays: Customer-periods that stayed, per stage.
    ///   - absorbing: Stages that customers never leave.
    ///   - marginPerPeriod: Observed margin per customer-period in each stage.
    ///   - marketingCostPerPeriod: Marketing spend per customer-period in each stage.
    ///   - discountRate: Discount rate per period (≥ 0).
    /// - Returns: The estimated chain.
    /// - Throws: As ``estimate(states:counts:absorbing:marginPerPeriod:marketingCostPerPeriod:discountRate:)``.
    public static func estimate(
        states: [String], migrations: [(from: String, to: String)], stays: [String: Int],
        absorbing: Set<String> = [], marginPerPeriod: [String: Double], marketingCostPerPeriod: [String: Double] = [:],
        discountRate: Double
    ) throws(AnalyticsError) -> MarkovCLV {
        var counts = MigrationCounts()
        for migration in migrations { counts.record(from: migration.from, to: migration.to) }
        for (stage, count) in stays { counts.recordStays(in: stage, count: count) }
        return try estimate(
            states: states, counts: counts, absorbing: absorbing, marginPerPeriod: marginPerPeriod,
            marketingCostPerPeriod: marketingCostPerPeriod, discountRate: discountRate)
    }

    /// States that keep their customers forever and earn nothing: Pᵢᵢ = 1 and Rᵢ = 0.
    public var absorbingStates: [String] {
        states.indices.filter { transition[$0][$0] == 1 && reward[$0] == 0 }.map { states[$0] }
    }

    /// The infinite-horizon value of a customer in each state, V = (I − P/(1+d))⁻¹ R.
    ///
    /// With d = 0 the system is solved over the non-absorbing states only (absorbing ones are worth 0), which
    /// needs every non-absorbing state to reach an absorbing one; otherwise the undiscounted value is infinite.
    /// - Returns: V per state name.
    /// - Throws: ``AnalyticsError/Code/unboundedValue`` naming the states that never reach an absorbing state
    ///   when d = 0; ``AnalyticsError/Code/singularMatrix`` if the system cannot be solved.
    public func values() throws(AnalyticsError) -> [String: Double] {
        let n = states.count
        if discountRate > 0 {
            let factor = 1 / (1 + discountRate)
            let matrix = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - factor * transition[i][j] } }
            let v = try LinearSolver.solve(matrix, reward, names: states)
            return Dictionary(uniqueKeysWithValues: zip(states, v))
        }
        let isAbsorbing = (0..<n).map { transition[$0][$0] == 1 && reward[$0] == 0 }
        // Backward search from the absorbing states over edges with positive probability.
        var reaches = isAbsorbing
        var frontier = (0..<n).filter { isAbsorbing[$0] }
        while let j = frontier.popLast() {
            for i in 0..<n where !reaches[i] && transition[i][j] > 0 {
                reaches[i] = true
                frontier.append(i)
            }
        }
        let stuck = (0..<n).filter { !reaches[$0] }.map { states[$0] }
        if !stuck.isEmpty {
            throw AnalyticsError(
                .unboundedValue,
                "with no discount the value of \(stuck) is unbounded: they never reach an absorbing stage (one "
                    + "customers never leave, with zero reward); set a discount rate > 0 or use a finite horizon")
        }
        let open = (0..<n).filter { !isAbsorbing[$0] }
        let matrix = open.map { i in open.map { j in (i == j ? 1 : 0) - transition[i][j] } }
        let v = try LinearSolver.solve(matrix, open.map { reward[$0] }, names: open.map { states[$0] })
        var result = Dictionary(uniqueKeysWithValues: states.map { ($0, 0.0) })
        for (k, i) in open.enumerated() { result[states[i]] = v[k] }
        return result
    }

    /// The value over a finite horizon, V_T = Σ_{t=0}^{T} (P/(1+d))ᵗ R: the reward of the current period and of
    /// the next T periods.
    /// - Parameters:
    ///   - horizon: T, the number of future periods counted after the current one (≥ 0).
    /// - Returns: V_T per state name.
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` for a negative horizon.
    public func values(horizon: Int) throws(AnalyticsError) -> [String: Double] {
        guard horizon >= 0 else { throw AnalyticsError(.invalidParameter, "horizon must be ≥ 0 periods, got \(horizon)") }
        let n = states.count
        let factor = 1 / (1 + discountRate)
        // Horner form: V₀ = R, Vₖ = R + (P/(1+d)) Vₖ₋₁.
        var v = reward
        var next = reward
        for _ in 0..<horizon {
            for i in 0..<n {
                var sum = 0.0
                for j in 0..<n { sum += transition[i][j] * v[j] }
                next[i] = reward[i] + factor * sum
            }
            swap(&v, &next)
        }
        return Dictionary(uniqueKeysWithValues: zip(states, v))
    }

    /// The value of moving a customer from stage `from` to stage `to`: V(to) − V(from).
    /// - Parameters:
    ///   - from: The stage the customer leaves.
    ///   - to: The stage the customer enters.
    ///   - horizon: Periods counted after the current one, or nil for the infinite horizon.
    /// - Returns: The change in expected discounted value.
    /// - Throws: ``AnalyticsError/Code/unknownState`` for a stage not in the chain, and whatever ``values()`` or
    ///   ``values(horizon:)`` throws.
    public func migrationValue(from: String, to: String, horizon: Int? = nil) throws(AnalyticsError) -> Double {
        for stage in [from, to] where !states.contains(stage) {
            throw AnalyticsError(.unknownState, "stage '\(stage)' is not one of \(states)")
        }
        let v: [String: Double]
        if let horizon { v = try values(horizon: horizon) } else { v = try values() }
        return v[to]! - v[from]!
    }
}
