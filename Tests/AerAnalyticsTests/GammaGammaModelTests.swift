@testable import AerAnalytics
import Foundation
import Testing

@Suite("Gamma-Gamma")
struct GammaGammaModelTests {
    static let model = try! GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)

    @Test("fit on CDNOW repeat buyers reproduces the published parameters to 4 significant figures")
    func fitCDNOWParameters() throws {
        let fitted = try GammaGammaModel.fit(CDNOW.customers)
        // Fader & Hardie (2013) print p = 6.25, q = 3.74, γ = 15.44; the maximum is at 6.248802, 3.744588,
        // 15.447748 (as lifetimes 0.11.3 also finds; LL −4055.9232 there against −4055.9247 at the printed
        // values), so the note's γ is truncated, not rounded.
        #expect(agrees(fitted.p, 6.249, significantFigures: 4))
        #expect(agrees(fitted.q, 3.745, significantFigures: 4))
        #expect(agrees(fitted.gamma, 15.45, significantFigures: 4))
        #expect(fitted.customers == 946)
    }

    @Test("fit on CDNOW reaches the published log-likelihood −4055.92")
    func fitCDNOWLogLikelihood() throws {
        let fitted = try GammaGammaModel.fit(CDNOW.customers)
        #expect(abs(fitted.logLikelihood - -4055.92) < 0.005)
    }

    @Test("expected average spend matches lifetimes' conditional_expected_average_profit")
    func expectedSpendMatchesLifetimes() {
        for (x, m, reference) in [
            (2.0, 22.35, 24.663713910761157), (1.0, 11.77, 18.91685205784205), (7.0, 38.71, 38.504248225424817),
            (20.0, 25.0, 25.219195240331924), (2.0, 10.0, 14.534120734908138), (50.0, 100.0, 99.436936936936931),
        ] {
            #expect(close(Self.model.expectedAverageSpend(frequency: x, monetaryValue: m), reference, relative: 1e-14))
        }
    }

    @Test("a customer with no repeat purchase is expected to spend the population mean pγ/(q−1)")
    func expectedSpendWithoutHistory() {
        let mean = 6.25 * 15.44 / (3.74 - 1)
        #expect(abs(Self.model.expectedAverageSpend(frequency: 0, monetaryValue: 99) - mean) < 1e-12)
        #expect(abs(Self.model.populationMeanSpend - mean) < 1e-12)
    }

    @Test("fitting fewer than 10 repeat buyers says how many are needed")
    func fitTooFewRepeatBuyers() {
        let error = #expect(throws: AnalyticsError.self) {
            try GammaGammaModel.fit(CDNOW.customers.filter { $0.frequency > 0 }.prefix(9).map { $0 })
        }
        #expect(error?.code == .tooFewCustomers)
        #expect(error?.message.contains("at least 10") == true)
    }

    @Test("a repeat buyer without a positive monetary value is refused by name")
    func fitNonPositiveSpend() {
        var customers = CDNOW.customers
        customers[0].monetaryValue = 0
        let error = #expect(throws: AnalyticsError.self) { try GammaGammaModel.fit(customers) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'1'") == true)
    }

    @Test("the analytic gradient of the likelihood matches central differences")
    func gradientMatchesDifferences() {
        let data = SpendHistories(CDNOW.customers.filter { $0.frequency > 0 })
        let theta = [log(5.0), log(3.0), log(12.0)]
        var gradient = [0.0, 0.0, 0.0]
        _ = data.logLikelihood(theta, gradient: &gradient)
        var scratch = [0.0, 0.0, 0.0]
        for i in 0..<3 {
            var up = theta
            var down = theta
            up[i] += 1e-6
            down[i] -= 1e-6
            let numeric = (data.logLikelihood(up, gradient: &scratch) - data.logLikelihood(down, gradient: &scratch)) / 2e-6
            #expect(abs(numeric - gradient[i]) <= 1e-5 * max(1, abs(gradient[i])), "θ[\(i)]")
        }
    }
}
