#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
/// Value").
///
/// Each transaction's amount is Gamma(p, ν) around a customer's mean p/ν, and ν varies across customers as
/// Gamma(q, γ); a customer's average over x transactions, m̄, then has a closed-form likelihood. The model
/// assumes spend is independent of purchase frequency. See docs/analytics.md for the formulas.
public struct GammaGammaModel: Sendable, Hashable, Codable {
    /// p: shape of the Gamma distribution of a single transaction's amount.
    public let p: Double
    /// q: shape of the Gamma distribution of the per-customer rate ν.
    public let q: Double
    /// γ: scale of the Gamma distribution of ν (in money units); the population mean spend is pγ/(q−1).
    public let gamma: Double
    /// The log-likelihood of the repeat buyers the model was fitted to (0 for a model built from parameters).
    public let logLikelihood: Double
    /// How many repeat buyers the model was fitted to (0 for a model built from parameters).
    public let customers: Int

    /// The fewest repeat buyers ``fit(_:)`` accepts.
    public static let minimumRepeatBuyers = 10

    /// A model with given parameters, e.g. ones fitted earlier.
    /// - Parameters:
    ///   - p: Shape of the per-transaction Gamma distribution (> 0).
    ///   - q: Shape of the Gamma distribution of ν (> 0).
    ///   - gamma: Scale of the Gamma distribution of ν (> 0).
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` when a parameter is not a positive finite number.
    public init(p: Double, q: Double, gamma: Double) throws(AnalyticsError) {
        try self.init(p: p, q: q, gamma: gamma, fittedLogLikelihood: 0, customers: 0)
    }

    /// A model fitted earlier, with the statistics of its fit (as stored after a refit).
    /// - Parameters:
    ///   - p: Shape of the per-transaction Gamma distribution (> 0).
    ///   - q: Shape of the Gamma distribution of ν (> 0).
    ///   - gamma: Scale of the Gamma distribution of ν (> 0).
    ///   - fittedLogLikelihood: The log-likelihood of the repeat buyers it was fitted to.
    ///   - customers: How many repeat buyers it was fitted to.
    /// - Throws: ``AnalyticsError/Code/invalidParameter`` when a parameter is not a positive finite number.
    public init(p: Double, q: Double, gamma: Double, fittedLogLikelihood: Double, customers: Int) throws(AnalyticsError) {
        for (name, value) in [("p", p), ("q", q), ("gamma", gamma)] where !(value > 0 && value.isFinite) {
            throw AnalyticsError(
                .invalidParameter, "Gamma-Gamma parameter \(name) must be a positive finite number, got \(value)")
        }
        self.init(p: p, q: q, gamma: gamma, logLikelihood: fittedLogLikelihood, customers: customers)
    }

    private enum CodingKeys: String, CodingKey {
        case p, q, gamma, logLikelihood, customers
    }

    /// Decodes a model saved earlier, checking its parameters as ``init(p:q:gamma:)`` does.
    /// - Parameters:
    ///   - decoder: The decoder to read from.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            p: container.decode(Double.self, forKey: .p), q: container.decode(Double.self, forKey: .q),
            gamma: container.decode(Double.self, forKey: .gamma),
            fittedLogLikelihood: try container.decodeIfPresent(Double.self, forKey: .logLikelihood) ?? 0,
            customers: try container.decodeIfPresent(Int.self, forKey: .customers) ?? 0)
    }

    private init(p: Double, q: Double, gamma: Double, logLikelihood: Double, customers: Int) {
        self.p = p
        self.q = q
        self.gamma = gamma
        self.logLikelihood = logLikelihood
        self.customers = customers
    }

    /// Fits p, q, γ by maximum likelihood on the repeat buyers (x > 0) among `customers`.
    ///
    /// Customers with no repeat purchase carry no spend information in this model and are skipped, as in the
    /// paper and in `lifetimes`. The likelihood and its analytic gradient are maximised over the logarithms of
    /// the parameters with BFGS from p = q = γ = 1, Nelder–Mead as a fallback.
    /// - Parameters:
    ///   - customers: Summaries with frequency and monetary value (the average of the repeat purchases).
    ///   - penalizer: Coefficient of a ridge penalty `penalizer · (p² + q² + γ²)` on the mean negative
    ///     log-likelihood, as `lifetimes`' `penalizer_coef`; 0 (the default) is plain maximum likelihood.
    /// - Returns: The fitted model, with its log-likelihood.
    /// - Throws: ``AnalyticsError/Code/invalidInput`` for a repeat buyer whose monetary value is not positive,
    ///   ``AnalyticsError/Code/tooFewCustomers`` for fewer than ``minimumRepeatBuyers`` repeat buyers,
    ///   ``AnalyticsError/Code/didNotConverge`` when the likelihood has no interior maximum,
    ///   ``AnalyticsError/Code/invalidParameter`` for a negative penalizer.
    public static func fit(_ customers: [CustomerSummary], penalizer: Double = 0) throws(AnalyticsError) -> GammaGammaModel {
        var buyers: [CustomerSummary] = []
        for customer in customers where customer.frequency > 0 {
            if !(customer.frequency.isFinite && customer.frequency == customer.frequency.rounded(.down)) {
                throw AnalyticsError(
                    .invalidInput,
                    "customer '\(customer.id)': frequency must be a whole number of repeat purchases, got \(customer.frequency)")
            }
            if !(customer.monetaryValue > 0 && customer.monetaryValue.isFinite) {
                throw AnalyticsError(
                    .invalidInput,
                    "customer '\(customer.id)': a repeat buyer's monetary value must be positive, got "
                        + "\(customer.monetaryValue); drop refunds-only customers or value them by margin")
            }
            buyers.append(customer)
        }
        if buyers.count < minimumRepeatBuyers {
            throw AnalyticsError(
                .tooFewCustomers,
                "Gamma-Gamma needs at least \(minimumRepeatBuyers) customers with a repeat purchase, got \(buyers.count)")
        }
        let data = SpendHistories(buyers)
        let theta = try LikelihoodFit.maximize(
            model: "Gamma-Gamma", names: ["p", "q", "gamma"], customers: buyers.count, penalizer: penalizer
        ) { theta, gradient in
            data.logLikelihood(theta, gradient: &gradient)
        }
        var scratch = [0.0, 0.0, 0.0]
        return GammaGammaModel(
            p: exp(theta[0]), q: exp(theta[1]), gamma: exp(theta[2]),
            logLikelihood: data.logLikelihood(theta, gradient: &scratch), customers: buyers.count)
    }

    /// E[M | p, q, γ, m̄, x]: the expected spend per transaction of a customer with x repeat purchases averaging
    /// m̄, a weighted mean of the population mean pγ/(q−1) and the customer's own average:
    /// p(γ + x m̄) / (px + q − 1).
    /// - Parameters:
    ///   - frequency: Repeat purchases x (0 gives the population mean).
    ///   - monetaryValue: Their average amount m̄.
    /// - Returns: The expected average spend; +∞ when px + q ≤ 1 (the model's mean does not exist).
    public func expectedAverageSpend(frequency: Double, monetaryValue: Double) -> Double {
        let x = frequency
        let m = x > 0 ? monetaryValue : 0
        let denominator = p * x + q - 1
        guard denominator > 0 else { return .infinity }
        return p * (gamma + x * m) / denominator
    }

    /// The expected spend per transaction of a customer about whom nothing is known, pγ/(q−1).
    public var populationMeanSpend: Double { expectedAverageSpend(frequency: 0, monetaryValue: 0) }
}

/// Repeat buyers grouped by identical (x, m̄) for the Gamma-Gamma likelihood.
struct SpendHistories: Sendable {
    let frequencies: [Double]
    let ranges: [Range<Int>]
    let groupWeights: [Double]
    let weights: [Double]
    let spends: [Double]
    /// ln m̄ per row, which does not depend on the parameters.
    let logSpends: [Double]

    init(_ buyers: [CustomerSummary]) {
        struct Key: Hashable, Comparable {
            var x: Double
            var m: Double
            static func < (l: Key, r: Key) -> Bool { (l.x, l.m) < (r.x, r.m) }
        }
        var counts: [Key: Int] = [:]
        for c in buyers { counts[Key(x: c.frequency, m: c.monetaryValue), default: 0] += 1 }
        let keys = counts.keys.sorted()
        var frequencies: [Double] = []
        var ranges: [Range<Int>] = []
        var groupWeights: [Double] = []
        var weights: [Double] = []
        var spends: [Double] = []
        for (row, key) in keys.enumerated() {
            if frequencies.last != key.x {
                if let last = ranges.last { ranges[ranges.count - 1] = last.lowerBound..<row }
                frequencies.append(key.x)
                ranges.append(row..<row)
                groupWeights.append(0)
            }
            let w = Double(counts[key]!)
            weights.append(w)
            spends.append(key.m)
            groupWeights[groupWeights.count - 1] += w
        }
        if let last = ranges.last { ranges[ranges.count - 1] = last.lowerBound..<keys.count }
        self.frequencies = frequencies
        self.ranges = ranges
        self.groupWeights = groupWeights
        self.weights = weights
        self.spends = spends
        self.logSpends = spends.map { log($0) }
    }

    /// Σ ln L over the repeat buyers at θ = (ln p, ln q, ln γ), and its gradient with respect to θ:
    /// ln L = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + x m̄).
    func logLikelihood(_ theta: [Double], gradient: inout [Double]) -> Double {
        let p = exp(theta[0])
        let q = exp(theta[1])
        let gamma = exp(theta[2])
        guard p.isFinite, q.isFinite, gamma.isFinite, p > 0, q > 0, gamma > 0 else {
            for i in gradient.indices { gradient[i] = .nan }
            return -.infinity
        }
        let lgQ = SpecialFunctions.logGamma(q)
        let psiQ = SpecialFunctions.digamma(q)
        let logGammaScale = log(gamma)
        var total = 0.0
        var dP = 0.0
        var dQ = 0.0
        var dGamma = 0.0
        for (group, x) in frequencies.enumerated() {
            let px = p * x
            let w = groupWeights[group]
            let logX = log(x)
            let psiPXQ = SpecialFunctions.digamma(px + q)
            total += w * (SpecialFunctions.logGamma(px + q) - SpecialFunctions.logGamma(px) - lgQ
                + q * logGammaScale + px * logX)
            dP += w * x * (psiPXQ - SpecialFunctions.digamma(px) + logX)
            dQ += w * (psiPXQ - psiQ + logGammaScale)
            dGamma += w * q / gamma
            var sumLogSpend = 0.0
            var sumLogScale = 0.0
            var sumInverse = 0.0
            for row in ranges[group] {
                let weight = weights[row]
                let scale = gamma + x * spends[row]
                sumLogSpend += weight * logSpends[row]
                sumLogScale += weight * log(scale)
                sumInverse += weight / scale
            }
            total += (px - 1) * sumLogSpend - (px + q) * sumLogScale
            dP += x * (sumLogSpend - sumLogScale)
            dQ -= sumLogScale
            dGamma -= (px + q) * sumInverse
        }
        gradient[0] = p * dP
        gradient[1] = q * dQ
        gradient[2] = gamma * dGamma
        return total
    }
}
