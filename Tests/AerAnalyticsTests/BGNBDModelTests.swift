@testable import AerAnalytics
import Foundation
import Testing

/// Histories and the values `lifetimes` 0.11.3 (`BetaGeoFitter` with params_ set to r = 0.2426, α = 4.414,
/// a = 0.793, b = 2.426) computes for them: P(alive) and E[Y(t) | x, tₓ, T] for t = 1, 10, 39, 52, 520 weeks.
struct LifetimesCase: Sendable, CustomStringConvertible {
    let x, recency, age: Double
    let probabilityAlive: Double
    let expected: [Double]
    var description: String { "x=\(x) tx=\(recency) T=\(age)" }
}

@Suite("BG/NBD")
struct BGNBDModelTests {
    static let horizons: [Double] = [1, 10, 39, 52, 520]

    static let lifetimesCases: [LifetimesCase] = [
        .init(
            x: 0, recency: 0, age: 38.86, probabilityAlive: 1,
            expected: [0.0055864532409753923, 0.054211039383936711, 0.19478367464526977, 0.25166903958528652,
                       1.4623797169877528]),
        .init(
            x: 2, recency: 30.43, age: 38.86, probabilityAlive: 0.7265957874763036,
            expected: [0.037442204787221385, 0.35692042239382932, 1.2258626316192274, 1.5585172379388632,
                       7.318696309791596]),
        .init(
            x: 1, recency: 1.71, age: 38.86, probabilityAlive: 0.21223172057475173,
            expected: [0.0060647418367525772, 0.058203430701378865, 0.20325191943296919, 0.25990804205177953,
                       1.3079350561286336]),
        .init(
            x: 7, recency: 29.43, age: 35.0, probabilityAlive: 0.77898761001968231,
            expected: [0.14199724580204445, 1.3279495326908592, 4.3691422094647026, 5.4788141655916345,
                       22.568347605026887]),
        .init(
            x: 20, recency: 37.0, age: 38.0, probabilityAlive: 0.94340412862091205,
            expected: [0.44644942650398567, 4.1607687306536647, 13.585347304294716, 16.994984387335023,
                       68.549890963529606]),
        .init(
            x: 50, recency: 30.0, age: 31.0, probabilityAlive: 0.93894253267125727,
            expected: [1.3179665703697767, 12.081601246966786, 38.206409181031162, 47.366351713660677,
                       178.74780572405845]),
    ]

    static let model = try! BGNBDModel(r: 0.2426, alpha: 4.414, a: 0.793, b: 2.426)

    @Test("fit on CDNOW reproduces the published parameters to 4 significant figures")
    func fitCDNOWParameters() throws {
        let fitted = try BGNBDModel.fit(CDNOW.customers)
        // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426; to 4 s.f. 0.2426, 4.414,
        // 0.7929, 2.426 (lifetimes 0.11.3: 0.242593, 4.413532, 0.792886, 2.425752).
        #expect(agrees(fitted.r, 0.2426, significantFigures: 4))
        #expect(agrees(fitted.alpha, 4.414, significantFigures: 4))
        #expect(agrees(fitted.a, 0.7929, significantFigures: 4))
        #expect(agrees(fitted.b, 2.426, significantFigures: 4))
        #expect(fitted.customers == 2357)
    }

    @Test("fit on CDNOW reaches the published log-likelihood −9582.4")
    func fitCDNOWLogLikelihood() throws {
        let fitted = try BGNBDModel.fit(CDNOW.customers)
        #expect(abs(fitted.logLikelihood - -9582.4) < 0.05)
        // A maximum: lifetimes' optimum is no better.
        let atLifetimes = try BGNBDModel(r: 0.242592928279822, alpha: 4.413532265271825, a: 0.7928859664406758,
                                         b: 2.4257523826258134).logLikelihood(of: CDNOW.customers)
        #expect(fitted.logLikelihood >= atLifetimes - 1e-9)
    }

    @Test("a saved model decodes with its fit statistics, and a negative parameter is refused")
    func decodingValidates() throws {
        let fitted = try BGNBDModel.fit(CDNOW.customers)
        let data = try JSONEncoder().encode(fitted)
        #expect(try JSONDecoder().decode(BGNBDModel.self, from: data) == fitted)
        let broken = Data(#"{"r":-1,"alpha":4,"a":0.8,"b":2.4}"#.utf8)
        #expect(throws: AnalyticsError.self) { try JSONDecoder().decode(BGNBDModel.self, from: broken) }
    }

    @Test("P(alive) is 1 for a customer who never bought again")
    func probabilityAliveWithoutRepeat() {
        #expect(Self.model.probabilityAlive(frequency: 0, recency: 0, age: 38.86) == 1)
        #expect(Self.model.probabilityAlive(frequency: 0, recency: 0, age: 1000) == 1)
    }

    @Test("P(alive) matches lifetimes", arguments: lifetimesCases)
    func probabilityAliveMatchesLifetimes(_ c: LifetimesCase) {
        let p = Self.model.probabilityAlive(frequency: c.x, recency: c.recency, age: c.age)
        #expect(close(p, c.probabilityAlive, relative: 1e-13))
    }

    @Test("P(alive) is 1 − something for a repeat buyer seen buying just now")
    func probabilityAliveJustBought() {
        // tₓ = T: 1 / (1 + a/(b+x−1)).
        let p = Self.model.probabilityAlive(frequency: 3, recency: 20, age: 20)
        #expect(abs(p - 1 / (1 + 0.793 / (2.426 + 2))) < 1e-15)
    }

    @Test("expected purchases of a customer with history match lifetimes", arguments: lifetimesCases)
    func expectedPurchasesMatchLifetimes(_ c: LifetimesCase) {
        for (t, reference) in zip(Self.horizons, c.expected) {
            let e = Self.model.expectedPurchases(in: t, frequency: c.x, recency: c.recency, age: c.age)
            #expect(close(e, reference, relative: 1e-11), "t = \(t)")
        }
    }

    @Test("expected purchases of a new customer match lifetimes")
    func expectedPurchasesNewCustomer() {
        let references = [0.05318075968019631, 0.43173107878939981, 1.1949269357652852, 1.4439079678532589,
                          4.9680577927728216]
        for (t, reference) in zip(Self.horizons, references) {
            #expect(close(Self.model.expectedPurchasesNewCustomer(in: t), reference, relative: 1e-11), "t = \(t)")
        }
    }

    @Test("expected purchases over an empty horizon are 0, over a negative one NaN")
    func expectedPurchasesDegenerateHorizon() {
        #expect(Self.model.expectedPurchases(in: 0, frequency: 2, recency: 30, age: 38) == 0)
        #expect(Self.model.expectedPurchases(in: -1, frequency: 2, recency: 30, age: 38).isNaN)
    }

    @Test("expected purchases are continuous through a = 1, a removable singularity")
    func expectedPurchasesAtAEqualOne() throws {
        let at = try BGNBDModel(r: 0.25, alpha: 4, a: 1, b: 2.5)
        let below = try BGNBDModel(r: 0.25, alpha: 4, a: 1 - 1e-3, b: 2.5)
        let above = try BGNBDModel(r: 0.25, alpha: 4, a: 1 + 1e-3, b: 2.5)
        let e = at.expectedPurchases(in: 52, frequency: 3, recency: 20, age: 30)
        let mid = (below.expectedPurchases(in: 52, frequency: 3, recency: 20, age: 30)
            + above.expectedPurchases(in: 52, frequency: 3, recency: 20, age: 30)) / 2
        #expect(e.isFinite)
        #expect(close(e, mid, relative: 1e-5))
    }

    @Test("P(alive) at the returned threshold instant equals the threshold and is above it just before")
    func thresholdCrossing() throws {
        for (x, tx, age) in [(2.0, 30.43, 38.86), (7.0, 29.43, 35.0), (1.0, 1.71, 2.0), (50.0, 30.0, 31.0)] {
            for threshold in [0.9, 0.5, 0.3, 0.05] {
                let p0 = Self.model.probabilityAlive(frequency: x, recency: tx, age: age)
                let instant = try #require(
                    Self.model.instantWhenProbabilityAliveDrops(below: threshold, frequency: x, recency: tx, age: age))
                #expect(instant >= age)
                let p = Self.model.probabilityAlive(frequency: x, recency: tx, age: instant)
                if p0 < threshold {
                    #expect(instant == age)
                } else {
                    #expect(abs(p - threshold) <= 1e-6)
                    #expect(Self.model.probabilityAlive(frequency: x, recency: tx, age: instant - 1e-3) > threshold)
                    #expect(Self.model.probabilityAlive(frequency: x, recency: tx, age: instant + 1e-3) < threshold)
                }
            }
        }
    }

    @Test("P(alive) of a customer with no repeat purchase never drops")
    func thresholdCrossingWithoutRepeat() {
        #expect(Self.model.instantWhenProbabilityAliveDrops(below: 0.3, frequency: 0, recency: 0, age: 10) == nil)
    }

    @Test("a customer already below the threshold crosses it now")
    func thresholdAlreadyCrossed() {
        let instant = Self.model.instantWhenProbabilityAliveDrops(below: 0.5, frequency: 2, recency: 5, age: 38.86)
        #expect(instant == 38.86)
    }

    @Test("fitting fewer than the minimum number of customers says how many are needed")
    func fitTooFewCustomers() {
        let few = CDNOW.customers.prefix(5).map { $0 }
        let error = #expect(throws: AnalyticsError.self) { try BGNBDModel.fit(few) }
        #expect(error?.code == .tooFewCustomers)
        #expect(error?.message.contains("at least 10") == true)
    }

    @Test("fitting customers none of whom bought again is refused")
    func fitWithoutRepeatBuyers() {
        let once = (0..<50).map { CustomerSummary(id: "c\($0)", frequency: 0, recency: 0, age: Double($0 % 30 + 1)) }
        let error = #expect(throws: AnalyticsError.self) { try BGNBDModel.fit(once) }
        #expect(error?.code == .tooFewCustomers)
    }

    @Test("fitting an impossible history names the customer")
    func fitImpossibleHistory() {
        var customers = Array(CDNOW.customers.prefix(100))
        customers[7] = CustomerSummary(id: "late", frequency: 2, recency: 40, age: 38)
        let error = #expect(throws: AnalyticsError.self) { try BGNBDModel.fit(customers) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'late'") == true)
    }

    @Test("when every customer has the same dropout probability, the fit approaches the fixed-p limit")
    func fitHomogeneousDropout() throws {
        let truth = try BGNBDModel(r: 0.5, alpha: 6, a: 1, b: 1)
        let customers = Simulation.bgnbd(truth, customers: 3000, maxAge: 52, seed: 7, dropout: 0.3)
        let fitted = try BGNBDModel.fit(customers)
        // a, b → ∞ with a/(a+b) → p is the MLE; the optimiser stops where the likelihood is flat.
        #expect(fitted.a > 1e4 && fitted.b > 1e4)
        #expect(abs(fitted.a / (fitted.a + fitted.b) - 0.3) < 0.02)
    }

    @Test("when nobody ever drops out, a runs to 0 and the error says the data do not identify the model")
    func fitWithoutDropout() throws {
        let truth = try BGNBDModel(r: 0.5, alpha: 6, a: 1, b: 1)
        let customers = Simulation.bgnbd(truth, customers: 3000, maxAge: 52, seed: 7, dropout: 0)
        let error = #expect(throws: AnalyticsError.self) { try BGNBDModel.fit(customers) }
        #expect(error?.code == .didNotConverge)
        #expect(error?.message.contains("shrinks towards 0") == true)
    }

    @Test("a small penalizer keeps a degenerate sample's parameters moderate")
    func fitWithPenalizer() throws {
        let truth = try BGNBDModel(r: 0.5, alpha: 6, a: 1, b: 1)
        let customers = Simulation.bgnbd(truth, customers: 3000, maxAge: 52, seed: 7, dropout: 0.3)
        let fitted = try BGNBDModel.fit(customers, penalizer: 0.001)
        #expect(fitted.a < 100 && fitted.b < 100)
        #expect(abs(fitted.a / (fitted.a + fitted.b) - 0.3) < 0.1)
    }

    @Test("the likelihood evaluated in parallel chunks equals the serial one, and is deterministic")
    func parallelLikelihood() {
        let theta = [log(0.2426), log(4.414), log(0.793), log(2.426)]
        var serialGradient = [0.0, 0.0, 0.0, 0.0]
        let serial = GroupedHistories(CDNOW.customers).logLikelihood(theta, gradient: &serialGradient)
        var first = [0.0, 0.0, 0.0, 0.0]
        var second = [0.0, 0.0, 0.0, 0.0]
        let chunked = GroupedHistories(CDNOW.customers, chunkSize: 97)
        let a = chunked.logLikelihood(theta, gradient: &first)
        let b = chunked.logLikelihood(theta, gradient: &second)
        #expect(a == b && first == second)
        #expect(close(a, serial, relative: 1e-13))
        for i in 0..<4 { #expect(abs(first[i] - serialGradient[i]) <= 1e-9 * max(1, abs(serialGradient[i]))) }
    }

    @Test("the analytic gradient of the likelihood matches central differences")
    func gradientMatchesDifferences() {
        let data = GroupedHistories(CDNOW.customers)
        let theta = [log(0.3), log(5.0), log(0.7), log(2.0)]
        var gradient = [0.0, 0.0, 0.0, 0.0]
        _ = data.logLikelihood(theta, gradient: &gradient)
        var scratch = [0.0, 0.0, 0.0, 0.0]
        for i in 0..<4 {
            var up = theta
            var down = theta
            up[i] += 1e-6
            down[i] -= 1e-6
            let numeric = (data.logLikelihood(up, gradient: &scratch) - data.logLikelihood(down, gradient: &scratch)) / 2e-6
            #expect(abs(numeric - gradient[i]) <= 1e-5 * max(1, abs(gradient[i])), "θ[\(i)]")
        }
    }

    @Test("fitting recovers the parameters of simulated customers")
    func fitRecoversSimulatedParameters() throws {
        let truth = try BGNBDModel(r: 0.5, alpha: 6, a: 0.7, b: 3)
        let customers = Simulation.bgnbd(truth, customers: 20_000, maxAge: 52, seed: 42)
        let fitted = try BGNBDModel.fit(customers)
        #expect(close(fitted.r, truth.r, relative: 0.1))
        #expect(close(fitted.alpha, truth.alpha, relative: 0.15))
        #expect(close(fitted.a, truth.a, relative: 0.25))
        #expect(close(fitted.b, truth.b, relative: 0.35))
    }
}

/// Deterministic simulation of BG/NBD customers (SplitMix64 + textbook samplers).
enum Simulation {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in (0, 1).
        mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992 }
        mutating func normal() -> Double {
            (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
        }
        /// Gamma(shape, 1) by Marsaglia & Tsang.
        mutating func gamma(_ shape: Double) -> Double {
            if shape < 1 { return gamma(shape + 1) * pow(uniform(), 1 / shape) }
            let d = shape - 1.0 / 3
            let c = 1 / (9 * d).squareRoot()
            while true {
                let x = normal()
                let v = pow(1 + c * x, 3)
                if v <= 0 { continue }
                if log(uniform()) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
            }
        }
        mutating func beta(_ a: Double, _ b: Double) -> Double {
            let x = gamma(a)
            return x / (x + gamma(b))
        }
    }

    /// Customers born uniformly in the first half of (0, maxAge], observed until maxAge; every customer drops
    /// out with probability `dropout` after a purchase when it is given, else with one drawn from Beta(a, b).
    static func bgnbd(
        _ model: BGNBDModel, customers: Int, maxAge: Double, seed: UInt64, dropout: Double? = nil
    ) -> [CustomerSummary] {
        var g = Generator(state: seed)
        return (0..<customers).map { i in
            let lambda = g.gamma(model.r) / model.alpha
            let p = dropout ?? g.beta(model.a, model.b)
            let age = (maxAge / 2 * (1 + g.uniform()))
            var t = 0.0
            var x = 0.0
            var last = 0.0
            while true {
                t += -log(g.uniform()) / lambda
                if t > age { break }
                x += 1
                last = t
                if g.uniform() < p { break }
            }
            return CustomerSummary(id: "s\(i)", frequency: x, recency: last, age: age)
        }
    }
}
