/// Unconstrained minimisation of smooth functions of a few variables: BFGS with a strong-Wolfe line search,
/// and Nelder–Mead as a derivative-free fallback. Deterministic: no random restarts.
enum Minimizer {
    /// Where a minimisation stopped.
    struct Result {
        var point: [Double]
        var value: Double
        /// Largest absolute component of the gradient at `point` (NaN for Nelder–Mead).
        var gradientNorm: Double
        var iterations: Int
        var converged: Bool
    }

    /// A function and its gradient: returns f(x) and writes ∇f(x) into the second argument. May return a
    /// non-finite value where f is undefined; the line search then steps back.
    typealias Objective = ([Double], inout [Double]) -> Double

    /// BFGS on the inverse Hessian (Nocedal & Wright, Algorithm 6.1) with their line search 3.5/3.6.
    /// - Parameters:
    ///   - start: The starting point (must give a finite value).
    ///   - gradientTolerance: Stop when every gradient component is at most this.
    ///   - maxIterations: Give up after this many iterations.
    ///   - maxStep: Largest change of any coordinate in one line search (keeps exp(θ) from overflowing).
    ///   - objective: The function and its gradient.
    static func bfgs(
        start: [Double], gradientTolerance: Double = 1e-10, maxIterations: Int = 1000, maxStep: Double = 4,
        objective: Objective
    ) -> Result {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var f = objective(x, &g)
        guard f.isFinite, g.allSatisfy(\.isFinite) else {
            return Result(point: x, value: f, gradientNorm: .nan, iterations: 0, converged: false)
        }
        var h = identity(n)
        var fresh = true  // h is the identity: the first step after a reset gets the Nocedal–Wright scaling
        var failures = 0
        var iteration = 0
        while iteration < maxIterations {
            if infinityNorm(g) <= gradientTolerance {
                return Result(point: x, value: f, gradientNorm: infinityNorm(g), iterations: iteration, converged: true)
            }
            iteration += 1
            var p = multiply(h, g).map { -$0 }
            var slope = dot(g, p)
            if !(slope < 0) {  // not a descent direction: forget the curvature model
                h = identity(n)
                fresh = true
                p = g.map { -$0 }
                slope = dot(g, p)
            }
            let largest = infinityNorm(p)
            let initial = fresh ? min(1, maxStep / largest, 1 / largest) : min(1, maxStep / largest)
            guard let step = lineSearch(x: x, f: f, g: g, p: p, slope: slope, initial: initial, objective: objective)
            else {
                failures += 1
                // Near the optimum rounding noise can defeat the sufficient-decrease test; accept a point whose
                // gradient is already tiny, otherwise retry once along steepest descent.
                if failures >= 2 || fresh {
                    let norm = infinityNorm(g)
                    return Result(
                        point: x, value: f, gradientNorm: norm, iterations: iteration,
                        converged: norm <= max(gradientTolerance, 1e-6))
                }
                h = identity(n)
                fresh = true
                continue
            }
            failures = 0
            let s = zip(step.x, x).map { $0 - $1 }
            let y = zip(step.g, g).map { $0 - $1 }
            let sy = dot(s, y)
            x = step.x
            f = step.f
            g = step.g
            if sy > 1e-14 * (dot(s, s).squareRoot() * dot(y, y).squareRoot()) {
                if fresh {
                    let scale = sy / dot(y, y)
                    h = (0..<n).map { i in (0..<n).map { j in i == j ? scale : 0 } }
                    fresh = false
                }
                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                let rho = 1 / sy
                let hy = multiply(h, y)
                let yhy = dot(y, hy)
                for i in 0..<n {
                    for j in 0..<n {
                        h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
                    }
                }
            }
        }
        let norm = infinityNorm(g)
        return Result(point: x, value: f, gradientNorm: norm, iterations: iteration, converged: norm <= gradientTolerance)
    }

    private struct Step {
        var x: [Double]
        var f: Double
        var g: [Double]
    }

    /// Strong-Wolfe line search along `p` from `x` (c₁ = 10⁻⁴, c₂ = 0.9).
    private static func lineSearch(
        x: [Double], f: Double, g: [Double], p: [Double], slope: Double, initial: Double, objective: Objective
    ) -> Step? {
        let c1 = 1e-4
        let c2 = 0.9
        var gradient = [Double](repeating: 0, count: x.count)
        func evaluate(_ alpha: Double) -> (Step, Double) {
            let point = zip(x, p).map { $0 + alpha * $1 }
            var value = objective(point, &gradient)
            if !value.isFinite || !gradient.allSatisfy(\.isFinite) { value = .infinity }
            let d = value.isFinite ? dot(gradient, p) : .nan
            return (Step(x: point, f: value, g: gradient), d)
        }
        func sufficient(_ alpha: Double, _ value: Double) -> Bool { value <= f + c1 * alpha * slope }

        // Zoom between lo (satisfies sufficient decrease) and hi (Nocedal & Wright, Algorithm 3.6).
        func zoom(
            _ lo: (alpha: Double, step: Step?, d: Double, f: Double), _ hi: (alpha: Double, f: Double, d: Double)
        ) -> Step? {
            var lo = lo
            var hi = hi
            for _ in 0..<60 {
                let width = hi.alpha - lo.alpha
                var alpha = cubicMinimizer(lo.alpha, lo.f, lo.d, hi.alpha, hi.f, hi.d) ?? (lo.alpha + width / 2)
                let low = min(lo.alpha, hi.alpha)
                let high = max(lo.alpha, hi.alpha)
                let margin = 0.1 * abs(width)
                if !(alpha > low + margin && alpha < high - margin) { alpha = lo.alpha + width / 2 }
                let (trial, d) = evaluate(alpha)
                if !sufficient(alpha, trial.f) || trial.f >= lo.f {
                    hi = (alpha, trial.f, d)
                } else {
                    if abs(d) <= -c2 * slope { return trial }
                    if d * (hi.alpha - lo.alpha) >= 0 { hi = (lo.alpha, lo.f, lo.d) }
                    lo = (alpha, trial, d, trial.f)
                }
                if abs(hi.alpha - lo.alpha) <= 1e-14 * max(1, abs(lo.alpha)) { break }
            }
            return lo.step  // sufficient decrease without the curvature condition: still progress
        }

        var previous: (alpha: Double, step: Step?, d: Double, f: Double) = (0, nil, slope, f)
        var alpha = initial
        for i in 0..<40 {
            let (trial, d) = evaluate(alpha)
            if !sufficient(alpha, trial.f) || (i > 0 && trial.f >= previous.f) {
                return zoom(previous, (alpha, trial.f, d))
            }
            if abs(d) <= -c2 * slope { return trial }
            if d >= 0 { return zoom((alpha, trial, d, trial.f), (previous.alpha, previous.f, previous.d)) }
            previous = (alpha, trial, d, trial.f)
            alpha *= 2
        }
        return previous.step
    }

    /// The minimiser of the cubic through (a, fa, da) and (b, fb, db), if it exists and everything is finite.
    private static func cubicMinimizer(
        _ a: Double, _ fa: Double, _ da: Double, _ b: Double, _ fb: Double, _ db: Double
    ) -> Double? {
        guard fa.isFinite, fb.isFinite, da.isFinite, db.isFinite, a != b else { return nil }
        let d1 = da + db - 3 * (fa - fb) / (a - b)
        let square = d1 * d1 - da * db
        guard square >= 0 else { return nil }
        let d2 = (b > a ? 1.0 : -1.0) * square.squareRoot()
        let denominator = db - da + 2 * d2
        guard denominator != 0 else { return nil }
        let result = b - (b - a) * (db + d2 - d1) / denominator
        return result.isFinite ? result : nil
    }

    /// Nelder–Mead with the standard coefficients, restarted from its best vertex until a restart no longer
    /// improves the value.
    /// - Parameters:
    ///   - start: The starting point.
    ///   - scale: Initial simplex edge along each axis.
    ///   - tolerance: Stop a run when the simplex's values span less than this (relative).
    ///   - maxEvaluations: Budget over all runs.
    ///   - objective: The function (non-finite means "outside the domain").
    static func nelderMead(
        start: [Double], scale: Double = 0.5, tolerance: Double = 1e-13, maxEvaluations: Int = 20_000,
        objective: ([Double]) -> Double
    ) -> Result {
        let n = start.count
        var evaluations = 0
        func value(_ x: [Double]) -> Double {
            evaluations += 1
            let v = objective(x)
            return v.isFinite ? v : .infinity
        }
        var best = start
        var bestValue = value(start)
        var runs = 0
        var converged = false
        while evaluations < maxEvaluations {
            runs += 1
            var simplex = [best]
            for i in 0..<n {
                var vertex = best
                vertex[i] += scale
                simplex.append(vertex)
            }
            var values = simplex.map(value)
            while evaluations < maxEvaluations {
                let order = values.indices.sorted { values[$0] < values[$1] }
                simplex = order.map { simplex[$0] }
                values = order.map { values[$0] }
                if abs(values[n] - values[0]) <= tolerance * (abs(values[0]) + 1e-300) { break }
                var centroid = [Double](repeating: 0, count: n)
                for vertex in simplex[0..<n] { for j in 0..<n { centroid[j] += vertex[j] / Double(n) } }
                func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
                let reflected = along(-1)
                let fr = value(reflected)
                if fr < values[0] {
                    let expanded = along(-2)
                    let fe = value(expanded)
                    if fe < fr { simplex[n] = expanded; values[n] = fe } else { simplex[n] = reflected; values[n] = fr }
                } else if fr < values[n - 1] {
                    simplex[n] = reflected
                    values[n] = fr
                } else {
                    let contracted = fr < values[n] ? along(-0.5) : along(0.5)
                    let fc = value(contracted)
                    if fc < min(fr, values[n]) {
                        simplex[n] = contracted
                        values[n] = fc
                    } else {
                        for i in 1...n {
                            simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                            values[i] = value(simplex[i])
                        }
                    }
                }
            }
            let index = values.indices.min { values[$0] < values[$1] }!
            let improved = values[index] < bestValue - tolerance * abs(bestValue)
            if values[index] < bestValue {
                bestValue = values[index]
                best = simplex[index]
            }
            if !improved && runs > 1 {
                converged = true
                break
            }
        }
        return Result(point: best, value: bestValue, gradientNorm: .nan, iterations: evaluations, converged: converged)
    }

    // MARK: - Small dense linear algebra

    private static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { j in i == j ? 1 : 0 } }
    }

    private static func multiply(_ m: [[Double]], _ v: [Double]) -> [Double] {
        m.map { row in dot(row, v) }
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    private static func infinityNorm(_ v: [Double]) -> Double {
        v.reduce(0) { max($0, abs($1)) }
    }
}
