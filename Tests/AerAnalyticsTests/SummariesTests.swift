@testable import AerAnalytics
import Testing

@Suite("Summaries from transactions")
struct SummariesTests {
    /// 2024-01-01T00:00:00Z, a Monday.
    static let monday = 1_704_067_200.0
    static let day = 86_400.0

    @Test("purchases on the same day collapse into one, with their amounts summed")
    func sameDayCollapses() throws {
        let t = [
            Transaction(customer: "a", secondsSinceEpoch: Self.monday + 3600, amount: 10),
            Transaction(customer: "a", secondsSinceEpoch: Self.monday + 5 * Self.day + 100, amount: 5),
            Transaction(customer: "a", secondsSinceEpoch: Self.monday + 5 * Self.day + 7200, amount: 7),
        ]
        let s = try Summaries.fromTransactions(t, period: .day, observationEnd: Self.monday + 10 * Self.day + 50)
        #expect(s == [CustomerSummary(id: "a", frequency: 1, recency: 5, age: 10, monetaryValue: 12)])
    }

    @Test("frequency counts repeat periods, recency and age are in periods from the first purchase")
    func frequencyRecencyAge() throws {
        let t = [
            Transaction(customer: "b", secondsSinceEpoch: Self.monday + 2 * Self.day, amount: 100),
            Transaction(customer: "b", secondsSinceEpoch: Self.monday + 4 * Self.day, amount: 20),
            Transaction(customer: "b", secondsSinceEpoch: Self.monday + 9 * Self.day, amount: 40),
        ]
        let s = try Summaries.fromTransactions(t, period: .day, observationEnd: Self.monday + 30 * Self.day)
        // The first purchase (100) is not a repeat purchase: m̄ = (20 + 40) / 2.
        #expect(s == [CustomerSummary(id: "b", frequency: 2, recency: 7, age: 28, monetaryValue: 30)])
    }

    @Test("a customer seen once has frequency, recency and monetary value 0")
    func singlePurchase() throws {
        let t = [Transaction(customer: "c", secondsSinceEpoch: Self.monday, amount: 9)]
        let s = try Summaries.fromTransactions(t, period: .day, observationEnd: Self.monday + 3 * Self.day)
        #expect(s == [CustomerSummary(id: "c", frequency: 0, recency: 0, age: 3, monetaryValue: 0)])
    }

    @Test("weeks run Monday to Sunday in UTC")
    func weeksStartOnMonday() throws {
        let sunday = Self.monday - Self.day + 1
        let t = [
            Transaction(customer: "d", secondsSinceEpoch: sunday, amount: 1),  // week before
            Transaction(customer: "d", secondsSinceEpoch: Self.monday, amount: 2),
            Transaction(customer: "d", secondsSinceEpoch: Self.monday + 6 * Self.day + 86_399, amount: 3),  // same week
        ]
        let s = try Summaries.fromTransactions(t, period: .week, observationEnd: Self.monday + 14 * Self.day)
        #expect(s == [CustomerSummary(id: "d", frequency: 1, recency: 1, age: 3, monetaryValue: 5)])
    }

    @Test("purchases after the end of observation are ignored, and so are customers born after it")
    func afterObservationEnd() throws {
        let end = Self.monday + 10 * Self.day
        let t = [
            Transaction(customer: "e", secondsSinceEpoch: Self.monday, amount: 1),
            Transaction(customer: "e", secondsSinceEpoch: end + 1, amount: 50),
            Transaction(customer: "f", secondsSinceEpoch: end + 1, amount: 50),
        ]
        let s = try Summaries.fromTransactions(t, period: .day, observationEnd: end)
        #expect(s == [CustomerSummary(id: "e", frequency: 0, recency: 0, age: 10, monetaryValue: 0)])
    }

    @Test("summaries come out sorted by customer, in any input order")
    func sortedByCustomer() throws {
        let t = ["z", "m", "a"].map { Transaction(customer: $0, secondsSinceEpoch: Self.monday, amount: 1) }
        let s = try Summaries.fromTransactions(t, period: .day, observationEnd: Self.monday)
        #expect(s.map(\.id) == ["a", "m", "z"])
    }

    @Test("instants before the epoch fall in the right day")
    func beforeEpoch() {
        #expect(Period.day.index(of: -1) == -1)
        #expect(Period.day.index(of: 0) == 0)
        #expect(Period.week.index(of: -1) == 0)  // Wednesday 1969-12-31 is in the week of Monday 1969-12-29
        #expect(Period.week.index(of: 4 * 86_400) == 1)  // Monday 1970-01-05
    }

    @Test("CDNOW transactions summarised by day reproduce the published CDNOW summary")
    func reproducesCDNOWSummary() throws {
        let end = CDNOW.secondsSinceEpoch(year: 1997, month: 9, day: 30)
        let summaries = try Summaries.fromTransactions(CDNOW.firstSixtyTransactions, period: .day, observationEnd: end)
        let published = Dictionary(uniqueKeysWithValues: CDNOW.customers.map { ($0.id, $0) })
        #expect(summaries.count == 60)
        for s in summaries {
            let p = published[s.id]!
            // The published file gives weeks (days / 7) and dollars to two decimals.
            #expect(s.frequency == p.frequency, "customer \(s.id)")
            #expect(abs(s.recency / 7 - p.recency) < 0.0051, "customer \(s.id)")
            #expect(abs(s.age / 7 - p.age) < 0.0051, "customer \(s.id)")
            #expect(abs(s.monetaryValue - p.monetaryValue) < 0.0051, "customer \(s.id)")
        }
    }

    @Test("a purchase with a non-finite instant is refused by customer")
    func nonFiniteInstant() {
        let t = [Transaction(customer: "g", secondsSinceEpoch: .nan, amount: 1)]
        let error = #expect(throws: AnalyticsError.self) {
            try Summaries.fromTransactions(t, period: .day, observationEnd: Self.monday)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'g'") == true)
    }
}
