import AerAnalytics
import Foundation
import Testing

@Suite("Customer lifetime value")
struct CLVCalculatorTests {
    static let purchases = try! BGNBDModel(r: 0.2426, alpha: 4.414, a: 0.793, b: 2.426)
    static let spend = try! GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)

    @Test("CLV sums each step's expected purchases × expected spend × margin, discounted at the step's end")
    func handCheckedSum() throws {
        let calculator = try CLVCalculator(purchases: Self.purchases, spend: Self.spend, periodsPerStep: 4)
        let (x, tx, age, m) = (3.0, 20.0, 30.0, 40.0)
        let clv = try calculator.customerLifetimeValue(
            frequency: x, recency: tx, age: age, monetaryValue: m, steps: 3, discountRatePerStep: 0.1, margin: 0.3)
        let e4 = Self.purchases.expectedPurchases(in: 4, frequency: x, recency: tx, age: age)
        let e8 = Self.purchases.expectedPurchases(in: 8, frequency: x, recency: tx, age: age)
        let e12 = Self.purchases.expectedPurchases(in: 12, frequency: x, recency: tx, age: age)
        let spend = 6.25 * (15.44 + 3 * 40) / (6.25 * 3 + 3.74 - 1)  // p(γ + x m̄)/(px + q − 1)
        let byHand = 0.3 * spend * (e4 / 1.1 + (e8 - e4) / (1.1 * 1.1) + (e12 - e8) / (1.1 * 1.1 * 1.1))
        #expect(close(clv, byHand, relative: 1e-14))
    }

    @Test("CLV matches lifetimes' customer_lifetime_value (12 months of 4.345 weeks, 1 % a month, margin 1)")
    func matchesLifetimes() throws {
        let calculator = try CLVCalculator(purchases: Self.purchases, spend: Self.spend, periodsPerStep: 4.345)
        let references: [String: Double] = [
            "1": 36.284457779298975, "2": 4.6388018497736851, "18": 6.3511796635140012, "1516": 972.09010399950375,
        ]
        for customer in CDNOW.customers where references[customer.id] != nil {
            let clv = try calculator.customerLifetimeValue(of: customer, steps: 12, discountRatePerStep: 0.01, margin: 1)
            #expect(close(clv, references[customer.id]!, relative: 1e-11), "customer \(customer.id)")
        }
    }

    @Test("CLV over no steps is 0")
    func emptyHorizon() throws {
        let calculator = try CLVCalculator(purchases: Self.purchases, spend: Self.spend)
        let customer = CustomerSummary(id: "a", frequency: 2, recency: 10, age: 20, monetaryValue: 30)
        #expect(try calculator.customerLifetimeValue(of: customer, steps: 0, discountRatePerStep: 0.01, margin: 1) == 0)
    }

    @Test("a negative discount rate is refused")
    func negativeDiscount() throws {
        let calculator = try CLVCalculator(purchases: Self.purchases, spend: Self.spend)
        let customer = CustomerSummary(id: "a", frequency: 2, recency: 10, age: 20, monetaryValue: 30)
        let error = #expect(throws: AnalyticsError.self) {
            try calculator.customerLifetimeValue(of: customer, steps: 12, discountRatePerStep: -0.1, margin: 1)
        }
        #expect(error?.code == .invalidParameter)
    }
}
