#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the fitted models predict for one customer at one instant.
public struct CustomerPredictions: Sendable, Hashable {
    /// P(alive): the probability that the customer has not dropped out.
    public var probabilityAlive: Double
    /// Purchases expected over the valuation's horizon.
    public var expectedPurchases: Double
    /// Expected spend per purchase (Gamma-Gamma): the customer's own average shrunk towards the population's.
    public var expectedSpend: Double
    /// Customer lifetime value over the horizon: discounted expected margin.
    public var lifetimeValue: Double

    /// Predictions from their parts.
    /// - Parameters:
    ///   - probabilityAlive: P(alive).
    ///   - expectedPurchases: Purchases expected over the horizon.
    ///   - expectedSpend: Expected spend per purchase.
    ///   - lifetimeValue: Discounted expected margin over the horizon.
    public init(probabilityAlive: Double, expectedPurchases: Double, expectedSpend: Double, lifetimeValue: Double) {
        self.probabilityAlive = probabilityAlive
        self.expectedPurchases = expectedPurchases
        self.expectedSpend = expectedSpend
        self.lifetimeValue = lifetimeValue
    }
}

/// The fitted purchase and spend models with the settings they value customers by, evaluated live: a
/// customer's predictions at any instant come from their purchase history summarised as of that instant, so
/// P(alive) decays as time passes with no purchase.
///
/// Lifetime value is discounted monthly: the horizon is cut into S = max(1, round(horizon / 30 days)) equal
/// steps and the yearly rate d becomes (1 + d)^(step / 365 days) − 1 per step (see ``CLVCalculator``).
public struct CustomerValuation: Sendable, Hashable {
    /// How many purchases a customer makes, and whether they are still there.
    public let purchases: BGNBDModel
    /// How much a customer spends per purchase.
    public let spend: GammaGammaModel
    /// The unit of model time the models were fitted in.
    public let period: Period
    /// The horizon of expected purchases and lifetime value, in seconds.
    public let horizonSeconds: Double
    /// Yearly discount rate of lifetime value (0.1 is 10 %).
    public let yearlyDiscountRate: Double
    /// The fraction of spend kept as margin (1 values revenue).
    public let margin: Double

    private let calculator: CLVCalculator
    private let steps: Int
    private let discountPerStep: Double

    /// How far ahead ``nextChange(of:for:after:threshold:holds:)`` looks: ten years.
    public static let lookAheadSeconds = 10 * 365.25 * 86_400

    /// A valuation from fitted models and settings.
    /// - Parameters:
    ///   - purchases: The fitted BG/NBD model.
    ///   - spend: The fitted Gamma-Gamma model.
    ///   - period: The period the models were fitted in.
    ///   - horizonSeconds: Horizon of expected purchases and lifetime value, in seconds (at least a day).
    ///   - yearlyDiscountRate: Yearly discount rate, ≥ 0.
    ///   - margin: Fraction of spend kept, 0…1.
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` for a horizon under a day or over a century, a
    ///   negative discount rate or a margin outside 0…1.
    public init(
        purchases: BGNBDModel, spend: GammaGammaModel, period: Period, horizonSeconds: Double, yearlyDiscountRate: Double,
        margin: Double
    ) throws(AnalyticsError) {
        guard horizonSeconds >= 86_400, horizonSeconds <= 100 * 366 * 86_400 else {
            throw AnalyticsError(.invalidParameter, "the horizon must be between a day and a century, got \(horizonSeconds) s")
        }
        guard yearlyDiscountRate >= 0, yearlyDiscountRate.isFinite else {
            throw AnalyticsError(.invalidParameter, "the yearly discount rate must be ≥ 0, got \(yearlyDiscountRate)")
        }
        guard (0...1).contains(margin) else {
            throw AnalyticsError(.invalidParameter, "the margin must be between 0 and 1, got \(margin)")
        }
        self.purchases = purchases
        self.spend = spend
        self.period = period
        self.horizonSeconds = horizonSeconds
        self.yearlyDiscountRate = yearlyDiscountRate
        self.margin = margin
        let horizonDays = horizonSeconds / 86_400
        steps = max(1, Int((horizonDays / 30).rounded()))
        discountPerStep = pow(1 + yearlyDiscountRate, horizonDays / Double(steps) / 365) - 1
        calculator = try CLVCalculator(
            purchases: purchases, spend: spend, periodsPerStep: horizonSeconds / period.seconds / Double(steps))
    }

    /// The horizon in model periods.
    public var horizonPeriods: Double { horizonSeconds / period.seconds }

    /// One of the predictions, by name.
    public enum Metric: Sendable, Hashable, CaseIterable {
        /// ``CustomerPredictions/probabilityAlive``.
        case probabilityAlive
        /// ``CustomerPredictions/expectedPurchases``.
        case expectedPurchases
        /// ``CustomerPredictions/expectedSpend``.
        case expectedSpend
        /// ``CustomerPredictions/lifetimeValue``.
        case lifetimeValue
    }

    /// The customer's predictions as of an instant.
    /// - Parameters:
    ///   - history: The customer's purchases.
    ///   - secondsSinceEpoch: The instant, in seconds since the Unix epoch.
    /// - Returns: The predictions, or nil when the customer has no purchase at or before the instant (the
    ///   models describe customers from their first purchase on).
    public func predictions(for history: PurchaseHistory, at secondsSinceEpoch: Double) -> CustomerPredictions? {
        guard let summary = summary(of: history, at: secondsSinceEpoch) else { return nil }
        return CustomerPredictions(
            probabilityAlive: value(.probabilityAlive, of: summary), expectedPurchases: value(.expectedPurchases, of: summary),
            expectedSpend: value(.expectedSpend, of: summary), lifetimeValue: value(.lifetimeValue, of: summary))
    }

    /// One prediction for the customer as of an instant (cheaper than all of them).
    /// - Parameters:
    ///   - metric: Which prediction.
    ///   - history: The customer's purchases.
    ///   - secondsSinceEpoch: The instant, in seconds since the Unix epoch.
    /// - Returns: The value, or nil when the customer has no purchase at or before the instant.
    public func value(_ metric: Metric, for history: PurchaseHistory, at secondsSinceEpoch: Double) -> Double? {
        summary(of: history, at: secondsSinceEpoch).map { value(metric, of: $0) }
    }

    private func summary(of history: PurchaseHistory, at secondsSinceEpoch: Double) -> CustomerSummary? {
        guard abs(secondsSinceEpoch) <= Summaries.instantLimit else { return nil }
        return history.summary(period: period, endPeriod: period.index(of: secondsSinceEpoch))
    }

    private func value(_ metric: Metric, of summary: CustomerSummary) -> Double {
        let x = summary.frequency
        switch metric {
        case .probabilityAlive:
            return purchases.probabilityAlive(frequency: x, recency: summary.recency, age: summary.age)
        case .expectedPurchases:
            return purchases.expectedPurchases(in: horizonPeriods, frequency: x, recency: summary.recency, age: summary.age)
        case .expectedSpend:
            return spend.expectedAverageSpend(frequency: x, monetaryValue: summary.monetaryValue)
        case .lifetimeValue:
            return (try? calculator.customerLifetimeValue(
                of: summary, steps: steps, discountRatePerStep: discountPerStep, margin: margin)) ?? .nan
        }
    }

    /// The first instant after `now` at which a rule on one prediction changes its outcome if the customer
    /// buys nothing more: the start of a period, since predictions change only when a period ends.
    ///
    /// Expected spend does not change with time (nil). P(alive), expected purchases and lifetime value fall as
    /// a customer ages without buying, so the rule flips at most once; the instant is searched by bisection over
    /// the next ``lookAheadSeconds``. For P(alive) the crossing of `threshold` is first solved in closed form
    /// (``BGNBDModel/instantWhenProbabilityAliveDrops(below:frequency:recency:age:)``) and only checked.
    /// - Parameters:
    ///   - metric: The prediction the rule reads.
    ///   - history: The customer's purchases.
    ///   - now: The current instant, in seconds since the Unix epoch.
    ///   - threshold: The number the rule compares the prediction with.
    ///   - holds: The rule: whether a value of the prediction satisfies it.
    /// - Returns: The instant in seconds since the Unix epoch, or nil if the outcome does not change within the
    ///   look-ahead (or the customer has no purchase yet).
    public func nextChange(
        of metric: Metric, for history: PurchaseHistory, after now: Double, threshold: Double, holds: (Double) -> Bool
    ) -> Double? {
        guard metric != .expectedSpend, abs(now) <= Summaries.instantLimit, let first = history.firstPeriod(in: period)
        else { return nil }
        let end = period.index(of: now)
        guard let summary = history.summary(period: period, endPeriod: end) else { return nil }
        let current = holds(value(metric, of: summary))
        let age = end - first
        let limit = Int64((Self.lookAheadSeconds / period.seconds).rounded(.up))
        func changes(atAge n: Int64) -> Bool {
            history.summary(period: period, endPeriod: first + n).map { holds(value(metric, of: $0)) != current } ?? false
        }

        if metric == .probabilityAlive,
            let crossing = purchases.instantWhenProbabilityAliveDrops(
                below: threshold, frequency: summary.frequency, recency: summary.recency, age: summary.age),
            crossing < Double(age + limit)
        {
            // P(alive) equals θ at the crossing and is below it after: the first whole age past it.
            let n = max(age + 1, Int64(crossing.rounded(.down)) + 1)
            if changes(atAge: n) && (n == age + 1 || !changes(atAge: n - 1)) { return period.start(ofIndex: first + n) }
        }
        var low = age
        var high = age + limit
        guard changes(atAge: high) else { return nil }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if changes(atAge: middle) { high = middle } else { low = middle }
        }
        return period.start(ofIndex: first + high)
    }
}
