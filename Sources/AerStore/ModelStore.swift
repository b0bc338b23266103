public import AerAnalytics
public import AerCore

/// The customer-value models: the purchases they are fitted on, and the history of fits. Part of `Store`.
public protocol ModelStore: Sendable {
    /// Every purchase in the log, in log order: `Order Completed` track events whose `revenue` property is a
    /// number, else whose `total` is (`Event.purchaseAmount`).
    func purchases() async throws -> [Purchase]

    /// One customer's purchases, in log order.
    func purchases(ofProfile profileId: Int64) async throws -> [Purchase]

    /// Appends a fit to the history; it becomes the latest.
    /// - Returns: The id assigned to it.
    @discardableResult
    func recordModelFit(_ fit: ModelFit) async throws -> Int64

    /// The latest fit, or nil before the first.
    func latestModelFit() async throws -> ModelFit?

    /// The id of the latest fit (cheap: to notice a refit), or nil before the first.
    func latestModelFitId() async throws -> Int64?

    /// The most recent fits, newest first.
    func modelFits(limit: Int) async throws -> [ModelFit]
}

/// One purchase of a customer.
public struct Purchase: Sendable, Hashable {
    /// The profile that bought.
    public var profileId: Int64
    /// When (event time).
    public var at: Timestamp
    /// The amount spent.
    public var amount: Double

    /// A purchase.
    /// - Parameters:
    ///   - profileId: The profile that bought.
    ///   - at: When.
    ///   - amount: The amount spent.
    public init(profileId: Int64, at: Timestamp, amount: Double) {
        self.profileId = profileId
        self.at = at
        self.amount = amount
    }
}

/// A fit of the customer-value models, as the history keeps it.
public struct ModelFit: Sendable, Hashable {
    /// Assigned by the store when recorded; 0 before.
    public var id: Int64
    /// When the fit was made (its observation end).
    public var fittedAt: Timestamp
    /// The horizon of expected purchases and lifetime value, as configured.
    public var horizon: AerDuration
    /// The fitted models and the settings they value customers by. The model counts say how many customers
    /// (BG/NBD) and repeat buyers (Gamma-Gamma) the fit saw.
    public var valuation: CustomerValuation
    /// How many purchases the fit saw.
    public var purchases: Int
    /// Markov-chain value of each stage of each lifecycle set at the time of the fit: set → stage → value.
    public var stageValues: [String: [String: Double]]

    /// A fit.
    /// - Parameters:
    ///   - id: 0 for a fit not recorded yet.
    ///   - fittedAt: When it was made.
    ///   - horizon: The configured horizon.
    ///   - valuation: The models and settings.
    ///   - purchases: How many purchases it saw.
    ///   - stageValues: Value of each lifecycle stage, by set.
    public init(
        id: Int64 = 0, fittedAt: Timestamp, horizon: AerDuration, valuation: CustomerValuation, purchases: Int,
        stageValues: [String: [String: Double]] = [:]
    ) {
        self.id = id
        self.fittedAt = fittedAt
        self.horizon = horizon
        self.valuation = valuation
        self.purchases = purchases
        self.stageValues = stageValues
    }

    /// The value at stake when a customer of lifecycle set `set` moves from stage `from` to `to`:
    /// V(to) − V(from), or nil when either stage has no value in this fit.
    public func valueAtStake(set: String, from: String?, to: String?) -> Double? {
        guard let from, let to, let values = stageValues[set], let before = values[from], let after = values[to] else {
            return nil
        }
        return after - before
    }

    /// The name of the expected-purchases prediction: `expected_purchases_` and the horizon (`expected_purchases_52w`).
    public var expectedPurchasesName: String { "expected_purchases_\(horizon)" }
}

extension ModelFit {
    /// A customer's predictions at `now` from their purchases.
    /// - Parameters:
    ///   - purchases: The customer's purchases (`ModelStore.purchases(ofProfile:)`).
    ///   - now: The instant to predict at.
    /// - Returns: The predictions, or nil when the customer has made no purchase by `now`.
    public func predictions(for purchases: [Purchase], at now: Timestamp) -> CustomerPredictions? {
        var history = PurchaseHistory()
        for purchase in purchases { history.record(secondsSinceEpoch: Double(purchase.at.millis) / 1000, amount: purchase.amount) }
        return valuation.predictions(for: history, at: Double(now.millis) / 1000)
    }
}
