/// One customer's purchase history in the form the probability models read ("RFM" summary).
///
/// Times are in model periods (days or weeks) counted from the customer's first purchase, which is not itself
/// counted: a customer seen once has frequency 0.
public struct CustomerSummary: Sendable, Hashable, Codable {
    /// The customer's identifier.
    public var id: String
    /// x: the number of repeat purchases (periods with a purchase after the first one); a whole number ≥ 0.
    public var frequency: Double
    /// tₓ: the time of the last purchase, in periods after the first; 0 when `frequency` is 0.
    public var recency: Double
    /// T: the customer's age, the time from the first purchase to the end of observation, in periods.
    public var age: Double
    /// m̄: the average amount of the repeat purchases (the first purchase excluded); 0 when there are none.
    public var monetaryValue: Double

    /// A summary from its parts.
    /// - Parameters:
    ///   - id: The customer's identifier.
    ///   - frequency: Number of repeat purchases x (whole, ≥ 0).
    ///   - recency: Time of the last purchase tₓ after the first, in periods (0 when x = 0).
    ///   - age: Time from the first purchase to the end of observation T, in periods (≥ recency).
    ///   - monetaryValue: Average amount of the repeat purchases (0 when x = 0).
    public init(id: String, frequency: Double, recency: Double, age: Double, monetaryValue: Double = 0) {
        self.id = id
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
    }

    /// Why this history is impossible for the purchase models, or nil when it is valid.
    var purchaseHistoryProblem: String? {
        if !(frequency >= 0) || !frequency.isFinite || frequency != frequency.rounded(.down) {
            return "frequency must be a whole number of repeat purchases ≥ 0, got \(frequency)"
        }
        if !(recency >= 0) || !recency.isFinite { return "recency must be finite and ≥ 0, got \(recency)" }
        if !(age >= 0) || !age.isFinite { return "age must be finite and ≥ 0, got \(age)" }
        if recency > age { return "recency \(recency) is after the end of observation (age \(age))" }
        if frequency == 0 && recency != 0 { return "recency must be 0 when frequency is 0, got \(recency)" }
        return nil
    }
}

/// The unit of model time: purchases in the same period count as one, and recency and age are counted in it.
public enum Period: String, Sendable, Hashable, CaseIterable, Codable {
    /// Calendar days in UTC.
    case day
    /// ISO weeks, Monday to Sunday, in UTC (the weeks of pandas' `W` period, as `lifetimes` uses).
    case week

    /// The length of the period in seconds.
    public var seconds: Double {
        switch self {
        case .day: 86_400
        case .week: 604_800
        }
    }

    /// The index of the period that contains an instant (day 0 is 1970-01-01; week 0 is the Monday-to-Sunday
    /// week that contains it); negative before the epoch. The instant must be finite and within
    /// ``Summaries/instantLimit`` seconds of the epoch.
    func index(of secondsSinceEpoch: Double) -> Int64 {
        index(ofDay: Int64((secondsSinceEpoch / 86_400).rounded(.down)))
    }
}

/// One purchase.
public struct Transaction: Sendable, Hashable, Codable {
    /// The customer's identifier.
    public var customer: String
    /// When it happened, in seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Double
    /// The amount spent (revenue or margin, whichever the monetary model should value).
    public var amount: Double

    /// A purchase.
    /// - Parameters:
    ///   - customer: The customer's identifier.
    ///   - secondsSinceEpoch: When it happened, in seconds since the Unix epoch (UTC).
    ///   - amount: The amount spent.
    public init(customer: String, secondsSinceEpoch: Double, amount: Double) {
        self.customer = customer
        self.secondsSinceEpoch = secondsSinceEpoch
        self.amount = amount
    }
}

/// Builds customer summaries from raw purchases.
public enum Summaries {
    /// The largest distance from the epoch, in seconds, accepted for an instant (about 31.7 million years).
    public static let instantLimit = 1e15

    /// Summarises transactions per customer the way `lifetimes`' `summary_data_from_transaction_data` does.
    ///
    /// Each instant is mapped to its period; purchases in the same period collapse into one whose amount is
    /// their sum. The first period with a purchase is the customer's birth. Then x = number of periods with a
    /// purchase − 1, tₓ = last period − first period, T = period of `observationEnd` − first period, and
    /// m̄ = mean amount over the repeat periods (0 if none). Purchases after `observationEnd` are ignored, and
    /// so are customers whose first purchase is after it.
    /// - Parameters:
    ///   - transactions: Purchases, in any order.
    ///   - period: The unit of model time.
    ///   - observationEnd: The end of the observation window, in seconds since the Unix epoch.
    /// - Returns: One summary per customer, sorted by identifier.
    /// - Throws: ``AnalyticsError/Code/invalidInput`` for a non-finite amount, or an instant (of a purchase or
    ///   of `observationEnd`) that is not finite or is further than ``instantLimit`` seconds from the epoch.
    public static func fromTransactions(
        _ transactions: [Transaction], period: Period, observationEnd: Double
    ) throws(AnalyticsError) -> [CustomerSummary] {
        guard abs(observationEnd) <= instantLimit else {
            throw AnalyticsError(.invalidInput, "observationEnd \(observationEnd) is not an instant in seconds since 1970")
        }
        for transaction in transactions {
            guard abs(transaction.secondsSinceEpoch) <= instantLimit, transaction.amount.isFinite else {
                throw AnalyticsError(
                    .invalidInput,
                    "a purchase of customer '\(transaction.customer)' has instant \(transaction.secondsSinceEpoch) and "
                        + "amount \(transaction.amount); both must be finite, the instant in seconds since 1970")
            }
        }
        var histories: [String: PurchaseHistory] = [:]
        for transaction in transactions where transaction.secondsSinceEpoch <= observationEnd {
            histories[transaction.customer, default: PurchaseHistory()].record(
                secondsSinceEpoch: transaction.secondsSinceEpoch, amount: transaction.amount)
        }
        let endPeriod = period.index(of: observationEnd)
        var summaries = histories.compactMap { customer, history in
            history.summary(period: period, endPeriod: endPeriod, id: customer)
        }
        summaries.sort { $0.id < $1.id }
        return summaries
    }
}

extension Int64 {
    /// Division rounding towards −∞.
    func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
