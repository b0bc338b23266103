/// Customer lifetime value from a BG/NBD purchase model and a Gamma-Gamma spend model, the way `lifetimes`'
/// `GammaGammaFitter.customer_lifetime_value` computes it, with a margin.
///
/// The horizon is cut into `steps` steps of `periodsPerStep` model periods each (a month of a weekly model is
/// 4.345 periods). For step k = 1…S, with Δ = periodsPerStep:
///
///     CLV = Σₖ margin · E[M | x, m̄] · (E[Y(kΔ) | x, tₓ, T] − E[Y((k−1)Δ) | x, tₓ, T]) / (1 + d)ᵏ
///
/// so each step's expected purchases are valued at the expected spend and discounted at the end of the step.
public struct CLVCalculator: Sendable, Hashable {
    /// The model of how many purchases a customer will make.
    public var purchases: BGNBDModel
    /// The model of how much a customer spends per purchase.
    public var spend: GammaGammaModel
    /// The length of one discounting step in the purchase model's periods (e.g. 4.345 for months of weeks,
    /// 30 for months of days).
    public var periodsPerStep: Double

    /// A calculator from two fitted models.
    /// - Parameters:
    ///   - purchases: The fitted BG/NBD model (its period is the model period).
    ///   - spend: The fitted Gamma-Gamma model.
    ///   - periodsPerStep: Model periods per discounting step (> 0).
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` when `periodsPerStep` is not positive and finite.
    public init(purchases: BGNBDModel, spend: GammaGammaModel, periodsPerStep: Double = 1) throws(AnalyticsError) {
        guard periodsPerStep > 0, periodsPerStep.isFinite else {
            throw AnalyticsError(.invalidParameter, "periodsPerStep must be positive, got \(periodsPerStep)")
        }
        self.purchases = purchases
        self.spend = spend
        self.periodsPerStep = periodsPerStep
    }

    /// The expected discounted margin of a customer over the next `steps` steps.
    /// - Parameters:
    ///   - customer: The customer's summary (frequency, recency, age and monetary value).
    ///   - steps: Number of discounting steps in the horizon (≥ 0).
    ///   - discountRatePerStep: Discount rate d per step (≥ 0; 0.01 a month is about 12.7 % a year).
    ///   - margin: The fraction of spend kept as margin (1 values revenue).
    /// - Returns: The lifetime value in the money unit of the monetary values.
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` for a negative horizon, discount rate or margin;
    ///   ``AnalyticsError/Code/invalidInput`` for an impossible history.
    public func customerLifetimeValue(
        of customer: CustomerSummary, steps: Int, discountRatePerStep: Double, margin: Double
    ) throws(AnalyticsError) -> Double {
        try customerLifetimeValue(
            frequency: customer.frequency, recency: customer.recency, age: customer.age,
            monetaryValue: customer.monetaryValue, steps: steps, discountRatePerStep: discountRatePerStep,
            margin: margin)
    }

    /// The expected discounted margin of a customer over the next `steps` steps, from the history's numbers.
    /// - Parameters:
    ///   - frequency: Repeat purchases x.
    ///   - recency: Time of the last purchase tₓ, in model periods.
    ///   - age: Age T, in model periods.
    ///   - monetaryValue: Average amount m̄ of the repeat purchases.
    ///   - steps: Number of discounting steps in the horizon (≥ 0).
    ///   - discountRatePerStep: Discount rate d per step (≥ 0).
    ///   - margin: The fraction of spend kept as margin.
    /// - Returns: The lifetime value in the money unit of the monetary values.
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` for a negative horizon, discount rate or margin;
    ///   ``AnalyticsError/Code/invalidInput`` for an impossible history.
    public func customerLifetimeValue(
        frequency: Double, recency: Double, age: Double, monetaryValue: Double,
        steps: Int, discountRatePerStep: Double, margin: Double
    ) throws(AnalyticsError) -> Double {
        guard steps >= 0 else { throw AnalyticsError(.invalidParameter, "steps must be ≥ 0, got \(steps)") }
        guard discountRatePerStep >= 0, discountRatePerStep.isFinite else {
            throw AnalyticsError(.invalidParameter, "discountRatePerStep must be ≥ 0, got \(discountRatePerStep)")
        }
        guard margin >= 0, margin.isFinite else {
            throw AnalyticsError(.invalidParameter, "margin must be a finite number ≥ 0, got \(margin)")
        }
        let probe = CustomerSummary(id: "", frequency: frequency, recency: recency, age: age)
        if let problem = probe.purchaseHistoryProblem { throw AnalyticsError(.invalidInput, problem) }
        let value = margin * spend.expectedAverageSpend(frequency: frequency, monetaryValue: monetaryValue)
        var total = 0.0
        var previous = 0.0
        var discount = 1.0
        for step in stride(from: 1, through: steps, by: 1) {
            let cumulative = purchases.expectedPurchases(
                in: Double(step) * periodsPerStep, frequency: frequency, recency: recency, age: age)
            discount /= 1 + discountRatePerStep
            total += value * (cumulative - previous) * discount
            previous = cumulative
        }
        return total
    }
}
