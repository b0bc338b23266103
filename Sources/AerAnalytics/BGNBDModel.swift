#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way").
///
/// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after every purchase they drop
/// out with probability p ~ Beta(a, b). Time is in the periods of the summaries the model was fitted to.
/// See docs/analytics.md for the formulas.
public struct BGNBDModel: Sendable, Hashable, Codable {
    /// r: shape of the Gamma distribution of purchase rates.
    public let r: Double
    /// α: scale (in periods) of the Gamma distribution of purchase rates; the mean rate is r/α per period.
    public let alpha: Double
    /// a: first shape of the Beta distribution of the dropout probability after a purchase.
    public let a: Double
    /// b: second shape of the Beta distribution of the dropout probability; the mean is a/(a+b).
    public let b: Double
    /// The log-likelihood of the customers the model was fitted to (0 for a model built from parameters).
    public let logLikelihood: Double
    /// How many customers the model was fitted to (0 for a model built from parameters).
    public let customers: Int

    /// The fewest customers ``fit(_:)`` accepts.
    public static let minimumCustomers = 10

    /// A model with given parameters, e.g. ones fitted earlier.
    /// - Parameters:
    ///   - r: Shape of the purchase-rate Gamma distribution (> 0).
    ///   - alpha: Scale of the purchase-rate Gamma distribution (> 0).
    ///   - a: First shape of the dropout Beta distribution (> 0).
    ///   - b: Second shape of the dropout Beta distribution (> 0).
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` when a parameter is not a positive finite number.
    public init(r: Double, alpha: Double, a: Double, b: Double) throws(AnalyticsError) {
        try self.init(r: r, alpha: alpha, a: a, b: b, fittedLogLikelihood: 0, customers: 0)
    }

    /// A model fitted earlier, with the statistics of its fit (as stored after a refit).
    /// - Parameters:
    ///   - r: Shape of the purchase-rate Gamma distribution (> 0).
    ///   - alpha: Scale of the purchase-rate Gamma distribution (> 0).
    ///   - a: First shape of the dropout Beta distribution (> 0).
    ///   - b: Second shape of the dropout Beta distribution (> 0).
    ///   - fittedLogLikelihood: The log-likelihood of the customers it was fitted to.
    ///   - customers: How many customers it was fitted to.
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` when a parameter is not a positive finite number.
    public init(
        r: Double, alpha: Double, a: Double, b: Double, fittedLogLikelihood: Double, customers: Int
    ) throws(AnalyticsError) {
        for (name, value) in [("r", r), ("alpha", alpha), ("a", a), ("b", b)] where !(value > 0 && value.isFinite) {
            throw AnalyticsError(.invalidParameter, "BG/NBD parameter \(name) must be a positive finite number, got \(value)")
        }
        self.init(r: r, alpha: alpha, a: a, b: b, logLikelihood: fittedLogLikelihood, customers: customers)
    }

    private enum CodingKeys: String, CodingKey {
        case r, alpha, a, b, logLikelihood, customers
    }

    /// Decodes a model saved earlier, checking its parameters as ``init(r:alpha:a:b:)`` does.
    /// - Parameters:
    ///   - decoder: The decoder to read from.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            r: container.decode(Double.self, forKey: .r), alpha: container.decode(Double.self, forKey: .alpha),
            a: container.decode(Double.self, forKey: .a), b: container.decode(Double.self, forKey: .b),
            fittedLogLikelihood: try container.decodeIfPresent(Double.self, forKey: .logLikelihood) ?? 0,
            customers: try container.decodeIfPresent(Int.self, forKey: .customers) ?? 0)
    }

    private init(r: Double, alpha: Double, a: Double, b: Double, logLikelihood: Double, customers: Int) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
        self.logLikelihood = logLikelihood
        self.customers = customers
    }

    // MARK: - Fitting

    /// Fits r, α, a, b by maximum likelihood.
    ///
    /// Identical histories (x, tₓ, T) are evaluated once and weighted; the likelihood and its analytic gradient
    /// are maximised over the logarithms of the parameters with BFGS from r = α = a = b = 1, with Nelder–Mead
    /// as a fallback should the line search stall.
    /// - Parameters:
    ///   - customers: One summary per customer; only frequency, recency and age are read.
    ///   - penalizer: Coefficient of a ridge penalty `penalizer · (r² + α² + a² + b²)` on the mean negative
    ///     log-likelihood, as `lifetimes`' `penalizer_coef`; 0 (the default) is plain maximum likelihood. A small
    ///     value (0.001) keeps small or degenerate samples from sending a parameter to infinity.
    /// - Returns: The fitted model, with its log-likelihood.
    /// - Throws: ``AnalyticsError/Code/invalidInput`` for an impossible history (naming the customer),
    ///   ``AnalyticsError/Code/tooFewCustomers`` for fewer than ``minimumCustomers`` customers or no repeat
    ///   purchase at all, ``AnalyticsError/Code/didNotConverge`` when the likelihood has no interior maximum,
    ///   ``AnalyticsError/Code/invalidParameter`` for a negative penalizer.
    ///
    /// CPU-bound: CDNOW's 2,357 customers take about a millisecond, a million customers with all-distinct
    /// histories about a second on two cores (inputs of more than 32,768 distinct histories use every core).
    /// Call it from a thread that may block for that long, not from a latency-sensitive task.
    public static func fit(_ customers: [CustomerSummary], penalizer: Double = 0) throws(AnalyticsError) -> BGNBDModel {
        if customers.count < minimumCustomers {
            throw AnalyticsError(
                .tooFewCustomers,
                "BG/NBD needs at least \(minimumCustomers) customers to estimate its 4 parameters, got \(customers.count)")
        }
        for customer in customers {
            if let problem = customer.purchaseHistoryProblem {
                throw AnalyticsError(.invalidInput, "customer '\(customer.id)': \(problem)")
            }
        }
        if !customers.contains(where: { $0.frequency > 0 }) {
            throw AnalyticsError(
                .tooFewCustomers,
                "none of the \(customers.count) customers made a repeat purchase, so BG/NBD cannot be fitted; "
                    + "observe for longer or use a shorter period")
        }
        let data = GroupedHistories(customers)
        let theta = try LikelihoodFit.maximize(
            model: "BG/NBD", names: ["r", "alpha", "a", "b"], customers: customers.count, penalizer: penalizer
        ) { theta, gradient in
            data.logLikelihood(theta, gradient: &gradient)
        }
        var scratch = [0.0, 0.0, 0.0, 0.0]
        return BGNBDModel(
            r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]),
            logLikelihood: data.logLikelihood(theta, gradient: &scratch), customers: customers.count)
    }

    /// The log-likelihood of these parameters for a set of customers (paper eq. 6, summed).
    /// - Parameters:
    ///   - customers: Summaries to evaluate; must be valid histories.
    /// - Returns: Σ ln L(r, α, a, b | x, tₓ, T).
    /// - Throws: ``AnalyticsError/Code/invalidInput`` for an impossible history.
    public func logLikelihood(of customers: [CustomerSummary]) throws(AnalyticsError) -> Double {
        for customer in customers {
            if let problem = customer.purchaseHistoryProblem {
                throw AnalyticsError(.invalidInput, "customer '\(customer.id)': \(problem)")
            }
        }
        var scratch = [0.0, 0.0, 0.0, 0.0]
        return GroupedHistories(customers).logLikelihood([log(r), log(alpha), log(a), log(b)], gradient: &scratch)
    }

    // MARK: - Predictions

    /// P(alive | x, tₓ, T): the probability that a customer with this history has not dropped out.
    /// - Parameters:
    ///   - frequency: Repeat purchases x.
    ///   - recency: Time of the last purchase tₓ, in periods.
    ///   - age: Age T, in periods (≥ recency).
    /// - Returns: A probability; exactly 1 when x = 0 (the model only lets customers drop out right after a
    ///   purchase); NaN for an impossible history.
    public func probabilityAlive(frequency: Double, recency: Double, age: Double) -> Double {
        guard frequency >= 0, recency >= 0, age >= recency else { return .nan }
        if frequency == 0 { return 1 }
        return 1 / (1 + exp(deathOdds(frequency: frequency, recency: recency, age: age)))
    }

    /// ln of a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x), the odds of having dropped out, for x > 0.
    private func deathOdds(frequency x: Double, recency: Double, age: Double) -> Double {
        log(a) - log(b + x - 1) + (r + x) * (log(alpha + age) - log(alpha + recency))
    }

    /// E[Y(t) | x, tₓ, T]: the expected number of purchases in the next `t` periods by a customer with this
    /// history (paper eq. 10).
    /// - Parameters:
    ///   - t: Length of the horizon, in periods (≥ 0).
    ///   - frequency: Repeat purchases x.
    ///   - recency: Time of the last purchase tₓ, in periods.
    ///   - age: Age T, in periods (≥ recency).
    /// - Returns: The expected count; NaN for an impossible history or a negative horizon.
    public func expectedPurchases(in t: Double, frequency: Double, recency: Double, age: Double) -> Double {
        guard t >= 0, frequency >= 0, recency >= 0, age >= recency, t.isFinite else { return .nan }
        if t == 0 { return 0 }
        let aliveFactor = frequency > 0 ? 1 + exp(deathOdds(frequency: frequency, recency: recency, age: age)) : 1
        return regularInA { a in
            Self.unconditional(t: t, x: frequency, age: age, r: r, alpha: alpha, a: a, b: b)
        } / aliveFactor
    }

    /// E[X(t)]: the expected number of repeat purchases in (0, t] by a customer whose first purchase is at 0
    /// (paper eq. 9).
    /// - Parameters:
    ///   - t: Length of the horizon, in periods (≥ 0).
    /// - Returns: The expected count; NaN for a negative horizon.
    public func expectedPurchasesNewCustomer(in t: Double) -> Double {
        expectedPurchases(in: t, frequency: 0, recency: 0, age: 0)
    }

    /// The age T* ≥ `age` at which P(alive) of a customer who makes no further purchase falls below
    /// `threshold` — when to re-evaluate a churn-risk rule with no new event.
    ///
    /// With no new purchase, P(alive) = 1 / (1 + a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)) falls strictly as T grows,
    /// so the crossing has the closed form T* = (α+tₓ) · ((1/θ − 1)(b+x−1)/a)^(1/(r+x)) − α, evaluated in
    /// logarithms. P(alive) equals the threshold at T* and is below it at every later age.
    /// - Parameters:
    ///   - threshold: The probability θ to fall below.
    ///   - frequency: Repeat purchases x.
    ///   - recency: Time of the last purchase tₓ, in periods.
    ///   - age: The current age T, in periods.
    /// - Returns: T*, in periods since the first purchase (the current `age` if P(alive) is already below the
    ///   threshold); nil if it never falls below it (x = 0, where P(alive) stays 1, or θ ≤ 0) or the history is
    ///   impossible.
    public func instantWhenProbabilityAliveDrops(
        below threshold: Double, frequency: Double, recency: Double, age: Double
    ) -> Double? {
        guard frequency > 0, recency >= 0, age >= recency, threshold > 0, threshold.isFinite else { return nil }
        if threshold >= 1 || probabilityAlive(frequency: frequency, recency: recency, age: age) < threshold {
            return age
        }
        let x = frequency
        // P < θ ⇔ ln((α+T)/(α+tₓ)) > [ln(1/θ − 1) + ln(b+x−1) − ln a] / (r+x)
        let logRatio = (log((1 - threshold) / threshold) + log(b + x - 1) - log(a)) / (r + x)
        let crossing = (alpha + recency) * exp(logRatio) - alpha
        guard crossing.isFinite else { return nil }
        return max(age, crossing)
    }

    // MARK: - Internals

    /// Evaluates f at a, or — close to a = 1, a removable singularity of eq. 9/10 where the factor
    /// (a+b+x−1)/(a−1) blows up while the bracket vanishes — as the mean of f at a ± h, which is f(a) + O(h²)
    /// with both points at least h/2 from 1.
    private func regularInA(_ f: (Double) -> Double) -> Double {
        let h = 1e-5
        if abs(a - 1) < h / 2 { return (f(a + h) + f(a - h)) / 2 }
        return f(a)
    }

    /// (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]: eq. 10's numerator.
    private static func unconditional(
        t: Double, x: Double, age: Double, r: Double, alpha: Double, a: Double, b: Double
    ) -> Double {
        let c = a + b + x - 1
        let nearPole = c <= 0.5 && abs(c - c.rounded()) < 1e-7
        if nearPole {
            let h = 1e-5
            return (unconditional(t: t, x: x, age: age, r: r, alpha: alpha, a: a + h, b: b)
                + unconditional(t: t, x: x, age: age, r: r, alpha: alpha, a: a - h, b: b)) / 2
        }
        let horizon = alpha + age + t
        let z = t / horizon
        let logY = log((alpha + age) / horizon)
        let f = SpecialFunctions.scaledHypergeometric2F1(r + x, b + x, c, z)
        guard f.mantissa.isFinite else { return .nan }
        let oneMinusG: Double
        if f.mantissa > 0 {
            oneMinusG = -expm1((r + x) * logY + f.logScale + log(f.mantissa))
        } else {
            oneMinusG = 1 + exp((r + x) * logY + f.logScale + log(-f.mantissa))
        }
        return c / (a - 1) * oneMinusG
    }
}

/// Customers grouped by identical (x, tₓ, T), laid out for a tight likelihood loop: rows sorted by x, so the
/// terms that depend on x alone (log-gammas, digammas) are computed once per distinct x, and each row costs two
/// logarithms, an exponential and a log1p. Large inputs are evaluated in fixed chunks on all cores; partial sums
/// are added in chunk order, so the result does not depend on the number of cores.
struct GroupedHistories: Sendable {
    /// Distinct frequencies, with the half-open row range of each.
    let frequencies: [Double]
    let ranges: [Range<Int>]
    /// Total weight of each frequency group.
    let groupWeights: [Double]
    /// Per row: how many customers share it, tₓ and T.
    let weights: [Double]
    let recencies: [Double]
    let ages: [Double]
    /// Number of customers.
    let total: Double

    /// Rows per parallel chunk; below two chunks' worth the evaluation stays on the calling thread.
    let chunkSize: Int

    init(_ customers: [CustomerSummary], chunkSize: Int = 32_768) {
        self.chunkSize = max(1, chunkSize)
        var keys = customers.map { (x: $0.frequency, recency: $0.recency, age: $0.age) }
        keys.sort { ($0.x, $0.recency, $0.age) < ($1.x, $1.recency, $1.age) }
        var frequencies: [Double] = []
        var ranges: [Range<Int>] = []
        var groupWeights: [Double] = []
        var weights: [Double] = []
        var recencies: [Double] = []
        var ages: [Double] = []
        var row = -1
        for key in keys {
            if row >= 0, recencies[row] == key.recency, ages[row] == key.age, frequencies.last == key.x {
                weights[row] += 1
                groupWeights[groupWeights.count - 1] += 1
                continue
            }
            row += 1
            if frequencies.last != key.x {
                if let last = ranges.last { ranges[ranges.count - 1] = last.lowerBound..<row }
                frequencies.append(key.x)
                ranges.append(row..<row)
                groupWeights.append(0)
            }
            weights.append(1)
            recencies.append(key.recency)
            ages.append(key.age)
            groupWeights[groupWeights.count - 1] += 1
        }
        if let last = ranges.last { ranges[ranges.count - 1] = last.lowerBound..<(row + 1) }
        self.frequencies = frequencies
        self.ranges = ranges
        self.groupWeights = groupWeights
        self.weights = weights
        self.recencies = recencies
        self.ages = ages
        self.total = Double(customers.count)
    }

    /// Partial sums of the log-likelihood and its gradient with respect to (r, α, a, b).
    private struct Sums {
        var value = 0.0
        var r = 0.0
        var alpha = 0.0
        var a = 0.0
        var b = 0.0

        static func + (l: Sums, r: Sums) -> Sums {
            Sums(value: l.value + r.value, r: l.r + r.r, alpha: l.alpha + r.alpha, a: l.a + r.a, b: l.b + r.b)
        }
    }

    /// Σ ln L over all customers at θ = (ln r, ln α, ln a, ln b), and its gradient with respect to θ.
    func logLikelihood(_ theta: [Double], gradient: inout [Double]) -> Double {
        let r = exp(theta[0])
        let alpha = exp(theta[1])
        let a = exp(theta[2])
        let b = exp(theta[3])
        guard r.isFinite, alpha.isFinite, a.isFinite, b.isFinite, r > 0, alpha > 0, a > 0, b > 0 else {
            for i in gradient.indices { gradient[i] = .nan }
            return -.infinity
        }
        // Terms that depend on x only: the Gamma and Beta normalisers, once per distinct x.
        let logAlpha = log(alpha)
        let lgR = SpecialFunctions.logGamma(r)
        let lgAB = SpecialFunctions.logGamma(a + b)
        let lgB = SpecialFunctions.logGamma(b)
        let psiR = SpecialFunctions.digamma(r)
        let psiAB = SpecialFunctions.digamma(a + b)
        let psiB = SpecialFunctions.digamma(b)
        var sums = Sums()
        for (group, x) in frequencies.enumerated() {
            let w = groupWeights[group]
            let psiABX = SpecialFunctions.digamma(a + b + x)
            sums.value += w * (SpecialFunctions.logGamma(r + x) - lgR + r * logAlpha + lgAB
                + SpecialFunctions.logGamma(b + x) - lgB - SpecialFunctions.logGamma(a + b + x))
            sums.r += w * (SpecialFunctions.digamma(r + x) - psiR + logAlpha)
            sums.alpha += w * r / alpha
            sums.a += w * (psiAB - psiABX)
            sums.b += w * (psiAB + SpecialFunctions.digamma(b + x) - psiB - psiABX)
        }
        let rows = weights.count
        let chunks = (rows + chunkSize - 1) / chunkSize
        if chunks < 2 {
            sums = sums + rowSums(0..<rows, r: r, alpha: alpha, a: a, b: b)
        } else {
            var partial = [Sums](repeating: Sums(), count: chunks)
            partial.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let slots = buffer
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let lower = chunk * chunkSize
                    slots[chunk] = rowSums(lower..<min(rows, lower + chunkSize), r: r, alpha: alpha, a: a, b: b)
                }
            }
            for p in partial { sums = sums + p }
        }
        // Chain rule to the log-parameters: ∂/∂ln θ = θ ∂/∂θ.
        gradient[0] = r * sums.r
        gradient[1] = alpha * sums.alpha
        gradient[2] = a * sums.a
        gradient[3] = b * sums.b
        return sums.value
    }

    /// The per-row part of the log-likelihood and gradient over `rows`:
    /// x = 0: −r ln(α+T);
    /// x > 0: ln(e^L1 + e^L2) with L1 = −(r+x) ln(α+T), L2 = ln a − ln(b+x−1) − (r+x) ln(α+tₓ).
    private func rowSums(_ rows: Range<Int>, r: Double, alpha: Double, a: Double, b: Double) -> Sums {
        var sums = Sums()
        let logA = log(a)
        weights.withUnsafeBufferPointer { weights in
            recencies.withUnsafeBufferPointer { recencies in
                ages.withUnsafeBufferPointer { ages in
                    for (group, x) in frequencies.enumerated() {
                        let range = ranges[group].clamped(to: rows)
                        if range.isEmpty { continue }
                        let rx = r + x
                        var sumLog = 0.0
                        var sumInverse = 0.0
                        if x == 0 {
                            for row in range {
                                let w = weights[row]
                                let scale = alpha + ages[row]
                                sumLog += w * log(scale)
                                sumInverse += w / scale
                            }
                            sums.value -= rx * sumLog
                            sums.r -= sumLog
                            sums.alpha -= rx * sumInverse
                            continue
                        }
                        // w2 = e^L2 / (e^L1 + e^L2), the weight of "dropped out right after the last purchase".
                        let k = logA - log(b + x - 1)
                        var sumLL = 0.0
                        var sumW2 = 0.0
                        for row in range {
                            let w = weights[row]
                            let ageScale = alpha + ages[row]
                            let recencyScale = alpha + recencies[row]
                            let logAge = log(ageScale)
                            let logRecency = log(recencyScale)
                            let l1 = -rx * logAge
                            let l2 = k - rx * logRecency
                            let d = l2 - l1
                            let e = exp(-abs(d))
                            let w2 = d > 0 ? 1 / (1 + e) : e / (1 + e)
                            let w1 = 1 - w2
                            sumLL += w * (max(l1, l2) + log1p(e))
                            sumW2 += w * w2
                            sumLog += w * (w1 * logAge + w2 * logRecency)
                            sumInverse += w * (w1 / ageScale + w2 / recencyScale)
                        }
                        sums.value += sumLL
                        sums.r -= sumLog
                        sums.alpha -= rx * sumInverse
                        sums.a += sumW2 / a
                        sums.b -= sumW2 / (b + x - 1)
                    }
                }
            }
        }
        return sums
    }
}
