public import AerAnalytics
public import AerCore
public import AerStore
import Dispatch

/// Fits the customer-value models on the store's purchases and records the fit: BG/NBD on every customer's
/// purchase history, Gamma-Gamma on the repeat buyers, with the settings they will value customers by.
public struct ModelRefit: Sendable {
    /// What a fit values customers by (`analytics:` in aerd.yaml).
    public struct Settings: Sendable, Hashable {
        /// The unit of model time.
        public var period: Period
        /// The horizon of expected purchases and lifetime value.
        public var horizon: AerDuration
        /// Yearly discount rate of lifetime value.
        public var yearlyDiscountRate: Double
        /// Fraction of spend kept as margin.
        public var margin: Double

        /// Settings.
        /// - Parameters:
        ///   - period: The unit of model time (default day).
        ///   - horizon: The horizon of predictions (default 52 weeks).
        ///   - yearlyDiscountRate: Yearly discount rate (default 0.1).
        ///   - margin: Fraction of spend kept (default 1: revenue).
        public init(period: Period = .day, horizon: AerDuration = .weeks(52), yearlyDiscountRate: Double = 0.1, margin: Double = 1) {
            self.period = period
            self.horizon = horizon
            self.yearlyDiscountRate = yearlyDiscountRate
            self.margin = margin
        }
    }

    /// The settings fits are made with.
    public let settings: Settings
    /// The lifecycle sets whose stages a refit values.
    public let lifecycles: [LifecycleSet]

    /// The history a refit values lifecycle stages from: the year before the fit, in periods of 30 days (the
    /// defaults of `aerd report clv`).
    public static let stageValueWindow = AerDuration.days(365)
    /// The period of the Markov chain of stages.
    public static let stageValuePeriod = AerDuration.days(30)

    /// A refit with these settings.
    /// - Parameters:
    ///   - settings: What fits value customers by.
    ///   - lifecycles: The lifecycle sets whose stages each fit values (``StageValues``).
    public init(settings: Settings, lifecycles: [LifecycleSet] = []) {
        self.settings = settings
        self.lifecycles = lifecycles
    }

    /// A recorded fit, and the lifecycle sets it could not value.
    public struct Outcome: Sendable {
        /// The fit, with its id and the values of the stages of the other sets.
        public var fit: ModelFit
        /// Set id → why its stages have no value in this fit (no customer in the window, or a chain that
        /// cannot be valued); migrations of these sets render no value at stake.
        public var unvaluedSets: [String: String]
    }

    /// Fits both models on purchases observed up to `now` (CPU-bound: call it off latency-sensitive tasks).
    ///
    /// Each profile is a customer; purchases are summarised per period (``Summaries/fromTransactions(_:period:observationEnd:)``).
    /// Repeat buyers whose average repeat spend is not positive (refunds) are left out of the spend model.
    /// - Parameters:
    ///   - purchases: The store's purchases, in any order; those after `now` are ignored.
    ///   - now: The end of observation, which becomes the fit time.
    /// - Returns: The fit, not recorded yet.
    /// - Throws: `AnalyticsError` when the data cannot support a fit (too few customers or repeat buyers, no
    ///   maximum of the likelihood), with what to do about it.
    public func fit(_ purchases: [Purchase], at now: Timestamp) throws(AnalyticsError) -> ModelFit {
        let end = Double(now.millis) / 1000
        let observed = purchases.filter { $0.at <= now }
        let summaries = try Summaries.fromTransactions(
            observed.map { Transaction(customer: String($0.profileId), secondsSinceEpoch: Double($0.at.millis) / 1000, amount: $0.amount) },
            period: settings.period, observationEnd: end)
        let bgnbd = try BGNBDModel.fit(summaries)
        let spend = try GammaGammaModel.fit(summaries.filter { $0.frequency == 0 || $0.monetaryValue > 0 })
        let valuation = try CustomerValuation(
            purchases: bgnbd, spend: spend, period: settings.period, horizonSeconds: Double(settings.horizon.millis) / 1000,
            yearlyDiscountRate: settings.yearlyDiscountRate, margin: settings.margin)
        return ModelFit(fittedAt: now, horizon: settings.horizon, valuation: valuation, purchases: observed.count)
    }

    /// Reads every purchase from the store, fits on a thread outside the cooperative pool, values the stages of
    /// each lifecycle set from the last ``stageValueWindow`` of migrations, and records the fit; on failure
    /// nothing is recorded, so the previous fit stays the latest.
    /// - Parameters:
    ///   - store: The store to read and record in.
    ///   - now: The end of observation.
    /// - Returns: The recorded fit, with its id, and the sets whose stages it could not value.
    /// - Throws: `AnalyticsError` when the models cannot be fitted; `StoreError` when the store fails.
    public func run(store: any Store, now: Timestamp) async throws -> Outcome {
        let purchases = try await store.purchases()
        var fit = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ModelFit, any Error>) in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { () throws(AnalyticsError) -> ModelFit in try self.fit(purchases, at: now) }.mapError { $0 })
            }
        }
        var unvalued: [String: String] = [:]
        for lifecycle in lifecycles {
            do {
                let estimate = try await StageValues.estimate(
                    set: lifecycle.id, stages: lifecycle.stages.map(\.id), store: store, since: now - Self.stageValueWindow,
                    until: now, period: Self.stageValuePeriod, margin: settings.margin, yearlyDiscountRate: settings.yearlyDiscountRate)
                if estimate.exposure.isEmpty {
                    unvalued[lifecycle.id] = "no customer was in any of its stages in the \(Self.stageValueWindow) before the fit"
                } else {
                    fit.stageValues[lifecycle.id] = estimate.values
                }
            } catch let error as AnalyticsError {
                unvalued[lifecycle.id] = error.message
            }
        }
        fit.id = try await store.recordModelFit(fit)
        return Outcome(fit: fit, unvaluedSets: unvalued)
    }
}
