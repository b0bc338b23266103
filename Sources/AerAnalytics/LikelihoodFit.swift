#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Maximum-likelihood estimation of positive parameters, shared by the BG/NBD and Gamma-Gamma fits.
///
/// Works on θ = ln(parameters) so that positivity needs no constraint, minimising the mean negative
/// log-likelihood (so tolerances do not depend on the number of customers) plus an optional ridge penalty
/// `penalizer · Σ parameter²` (the `penalizer_coef` of `lifetimes`). BFGS from θ = 0 (every parameter 1);
/// should it stall away from a boundary, Nelder–Mead then BFGS again. Everything is deterministic.
enum LikelihoodFit {
    /// Past |θ| = 20 (a parameter beyond e^±20 ≈ 5·10^8 or 2·10^-9) a parameter is running to a boundary of its
    /// domain rather than converging.
    private static let runaway = 20.0
    private static let stalledRunaway = 12.0

    /// The maximising parameters.
    /// - Parameters:
    ///   - model: The model's name, for messages.
    ///   - names: The parameters' names, in θ order.
    ///   - customers: How many customers the likelihood covers.
    ///   - penalizer: Ridge penalty coefficient (≥ 0).
    ///   - logLikelihood: Σ ln L at θ; writes ∂/∂θ of it into its second argument.
    static func maximize(
        model: String, names: [String], customers: Int, penalizer: Double,
        logLikelihood: @escaping ([Double], inout [Double]) -> Double
    ) throws(AnalyticsError) -> [Double] {
        guard penalizer >= 0, penalizer.isFinite else {
            throw AnalyticsError(.invalidParameter, "\(model) penalizer must be a finite number ≥ 0, got \(penalizer)")
        }
        let total = Double(customers)
        let objective: Minimizer.Objective = { theta, gradient in
            var value = -logLikelihood(theta, &gradient) / total
            for i in gradient.indices {
                let parameter = exp(theta[i])
                value += penalizer * parameter * parameter
                gradient[i] = -gradient[i] / total + 2 * penalizer * parameter * parameter
            }
            return value
        }
        let start = [Double](repeating: 0, count: names.count)
        var result = Minimizer.bfgs(start: start, gradientTolerance: 1e-10, objective: objective)
        let stalledAtBoundary = result.point.contains { abs($0) > stalledRunaway }
        if !result.converged && result.value.isFinite && !stalledAtBoundary {
            var scratch = start
            let simplex = Minimizer.nelderMead(start: result.point, maxEvaluations: 2000) { theta in
                objective(theta, &scratch)
            }
            let polished = Minimizer.bfgs(start: simplex.point, gradientTolerance: 1e-10, objective: objective)
            if polished.converged || polished.value < result.value { result = polished }
        }
        let limit = result.converged ? runaway : stalledRunaway
        if let i = result.point.indices.first(where: { !(abs(result.point[$0]) <= limit) }) {
            // The ridge penalty holds parameters back from infinity, not from 0.
            let (direction, remedy) = result.point[i] > 0
                ? ("grows without bound", "Fit on more customers or a longer observation window, or pass a small penalizer (e.g. 0.001)")
                : ("shrinks towards 0", "Fit on more customers or a longer observation window")
            throw AnalyticsError(
                .didNotConverge,
                "\(model) parameter \(names[i]) \(direction) (reached \(exp(result.point[i]))): the likelihood of "
                    + "these \(customers) customers has no maximum inside the parameter space. \(remedy)")
        }
        guard result.converged, result.value.isFinite else {
            let at = zip(names, result.point).map { "\($0)=\(exp($1))" }.joined(separator: ", ")
            throw AnalyticsError(
                .didNotConverge,
                "\(model) fit of \(customers) customers stopped at \(at) with the likelihood still rising (gradient "
                    + "\(result.gradientNorm)); check that recency and age are in periods, fit on more customers, "
                    + "or pass a small penalizer (e.g. 0.001)")
        }
        return result.point
    }
}
