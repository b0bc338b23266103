import AerAnalytics
import AerCore
import AerJSON
import AerStore
import Foundation
import HummingbirdTesting
import Testing

/// A fit as a refit records it: fixed parameters, daily periods, a 30-day horizon (one discounting step).
func recordedFit() throws -> ModelFit {
    let valuation = try CustomerValuation(
        purchases: try BGNBDModel(r: 0.8, alpha: 12, a: 0.9, b: 3.1, fittedLogLikelihood: -1234.5, customers: 500),
        spend: try GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44, fittedLogLikelihood: -987.6, customers: 200),
        period: .day, horizonSeconds: 30 * 86_400, yearlyDiscountRate: 0.1, margin: 0.5)
    return ModelFit(fittedAt: now - .days(1), horizon: .days(30), valuation: valuation, purchases: 1800)
}

func close(_ value: JSONValue?, _ expected: Double) -> Bool {
    guard let number = value?.numberValue else { return false }
    return abs(number - expected) <= 1e-9 * max(1, abs(expected))
}

@Suite("Predictions on the admin profile")
struct PredictionsAPITests {
    @Test("a profile shows its predictions at the current time from the latest fit; null before the first fit")
    func profilePredictions() async throws {
        let harness = try Harness()
        // Ada bought 30, 20 and 10 days ago: x = 2 repeat days, tₓ = 20, T = 30, average repeat spend 70.
        let orders = [(30, 40.0), (20, 60.0), (10, 80.0)].map { daysAgo, revenue in
            Event(messageId: "o\(daysAgo)", source: "web", type: .track, userId: "ada", name: "Order Completed",
                  properties: ["revenue": .number(revenue)], timestamp: now - .days(Int64(daysAgo)), receivedAt: now)
        }
        _ = try await harness.store.append(orders + [
            Event(messageId: "v1", source: "web", type: .track, userId: "cy", name: "Product Viewed", timestamp: now, receivedAt: now),
        ])

        try await harness.run { client in
            try await client.execute(uri: "/v1/profiles/ada", method: .get, headers: admin) { response in
                let profile = try body(response)
                #expect(profile["predictions"] == .null)
            }
        }

        let fit = try recordedFit()
        let id = try await harness.store.recordModelFit(fit)
        let purchases = fit.valuation.purchases
        let spend = fit.valuation.spend
        let discount = pow(1.1, 30.0 / 365) - 1
        let clv = try CLVCalculator(purchases: purchases, spend: spend, periodsPerStep: 30).customerLifetimeValue(
            frequency: 2, recency: 20, age: 30, monetaryValue: 70, steps: 1, discountRatePerStep: discount, margin: 0.5)

        try await harness.run { client in
            try await client.execute(uri: "/v1/profiles/ada", method: .get, headers: admin) { response in
                let predictions = try body(response)["predictions"]
                #expect(predictions?["fit"] == .string(String(id)))
                #expect(predictions?["fittedAt"] == .string((now - .days(1)).iso8601))
                #expect(predictions?["horizon"] == "30d")
                #expect(close(predictions?["p_alive"], purchases.probabilityAlive(frequency: 2, recency: 20, age: 30)))
                #expect(close(predictions?["expected_purchases_30d"], purchases.expectedPurchases(in: 30, frequency: 2, recency: 20, age: 30)))
                #expect(close(predictions?["expected_value"], spend.expectedAverageSpend(frequency: 2, monetaryValue: 70)))
                #expect(close(predictions?["clv"], clv))
            }
            // No purchase yet: the fit, but no prediction.
            try await client.execute(uri: "/v1/profiles/cy", method: .get, headers: admin) { response in
                let profile = try body(response)
                #expect(profile["predictions"] == ["fit": .string(String(id)), "fittedAt": .string((now - .days(1)).iso8601), "horizon": "30d"])
            }
        }
    }
}
