/// One customer's purchases as the models read them: the days with a purchase and the amount spent on each.
///
/// Days are the finest period, so one history summarises in days or in weeks. Purchases may be recorded in
/// any order; the summary is the one ``Summaries/fromTransactions(_:period:observationEnd:)`` builds from
/// the same purchases. It grows with the days on which the customer bought, not with their purchases.
public struct PurchaseHistory: Sendable, Hashable {
    /// Indices of the UTC days with a purchase (day 0 is 1970-01-01), ascending.
    private var days: [Int64] = []
    /// The amount spent on each of those days.
    private var amounts: [Double] = []

    /// A history with no purchase.
    public init() {}

    /// Whether no purchase has been recorded.
    public var isEmpty: Bool { days.isEmpty }

    /// Records a purchase; one whose instant is not finite (or is further than ``Summaries/instantLimit``
    /// seconds from the epoch) or whose amount is not finite is ignored.
    /// - Parameters:
    ///   - secondsSinceEpoch: When it happened, in seconds since 1970-01-01T00:00:00Z.
    ///   - amount: The amount spent.
    /// - Returns: Whether the purchase was recorded.
    @discardableResult
    public mutating func record(secondsSinceEpoch: Double, amount: Double) -> Bool {
        guard abs(secondsSinceEpoch) <= Summaries.instantLimit, amount.isFinite else { return false }
        let day = Period.day.index(of: secondsSinceEpoch)
        var position = days.count
        while position > 0 && days[position - 1] > day { position -= 1 }
        if position > 0 && days[position - 1] == day {
            amounts[position - 1] += amount
        } else {
            days.insert(day, at: position)
            amounts.insert(amount, at: position)
        }
        return true
    }

    /// The index of the first period with a purchase, or nil when there is none.
    /// - Parameter period: The unit of model time.
    public func firstPeriod(in period: Period) -> Int64? {
        days.first.map { period.index(ofDay: $0) }
    }

    /// The customer's summary with observation ending at an instant; purchases after it are left out.
    /// - Parameters:
    ///   - period: The unit of model time.
    ///   - observationEnd: The end of observation, in seconds since the Unix epoch (finite, within
    ///     ``Summaries/instantLimit``).
    ///   - id: The identifier to put in the summary.
    /// - Returns: The summary, or nil when no purchase falls at or before `observationEnd`.
    public func summary(period: Period, observationEnd: Double, id: String = "") -> CustomerSummary? {
        summary(period: period, endPeriod: period.index(of: observationEnd), id: id)
    }

    /// The summary as of the end of period `endPeriod`.
    func summary(period: Period, endPeriod: Int64, id: String = "") -> CustomerSummary? {
        var first: Int64?
        var last: Int64 = 0
        var repeats = 0
        var repeatTotal = 0.0
        var current: Int64?
        var currentAmount = 0.0
        // Days are ascending, so their periods are too: each run of equal periods is one purchase period.
        for (day, amount) in zip(days, amounts) {
            let index = period.index(ofDay: day)
            if index > endPeriod { break }
            if index == current {
                currentAmount += amount
                continue
            }
            if current != nil, current != first { repeatTotal += currentAmount }
            if first == nil { first = index } else { repeats += 1 }
            current = index
            currentAmount = amount
            last = index
        }
        guard let first else { return nil }
        if current != first { repeatTotal += currentAmount }
        return CustomerSummary(
            id: id, frequency: Double(repeats), recency: Double(last - first), age: Double(endPeriod - first),
            monetaryValue: repeats > 0 ? repeatTotal / Double(repeats) : 0)
    }
}

extension Period {
    /// The index of the period that contains UTC day `day` (day 0 is 1970-01-01).
    func index(ofDay day: Int64) -> Int64 {
        switch self {
        case .day: day
        // 1970-01-01 was a Thursday: shifting by 3 days puts Mondays on multiples of 7.
        case .week: (day + 3).floorDivided(by: 7)
        }
    }

    /// The instant period `index` starts, in seconds since the Unix epoch.
    func start(ofIndex index: Int64) -> Double {
        switch self {
        case .day: Double(index) * 86_400
        case .week: Double(index * 7 - 3) * 86_400
        }
    }
}
