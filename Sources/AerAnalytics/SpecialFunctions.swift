#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The special functions the models need: log-gamma, digamma and the Gauss hypergeometric function ₂F₁.
///
/// Each is written for the ranges the models produce and checks its own convergence; where a result cannot be
/// trusted it returns NaN rather than a wrong number.
public enum SpecialFunctions {
    /// ln|Γ(x)| and the sign of Γ(x), for any real x (the sign is 0 at the poles 0, −1, −2, …, where the
    /// logarithm is +∞).
    /// - Parameters:
    ///   - x: The argument.
    /// - Returns: `(logAbs, sign)` with Γ(x) = sign · e^logAbs.
    public static func logGammaWithSign(_ x: Double) -> (logAbs: Double, sign: Double) {
        if x > 0 { return (logGamma(x), 1) }
        if x.isNaN { return (.nan, .nan) }
        if x == x.rounded(.down) { return (.infinity, 0) }
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx), and Γ(1 − x) > 0 here.
        let s = sinPi(x)
        return (log(Double.pi) - log(abs(s)) - logGamma(1 - x), s > 0 ? 1 : -1)
    }

    /// ln Γ(x) for x > 0.
    /// - Parameters:
    ///   - x: A positive argument.
    /// - Returns: ln Γ(x).
    @inline(__always)
    public static func logGamma(_ x: Double) -> Double {
        #if canImport(Glibc) || canImport(Musl)
        var sign: Int32 = 0
        return lgamma_r(x, &sign)  // the reentrant form: no write to the global `signgam`
        #else
        return lgamma(x)
        #endif
    }

    /// The digamma function ψ(x) = d/dx ln Γ(x), for any real x that is not a pole (0, −1, −2, …).
    /// - Parameters:
    ///   - x: The argument.
    /// - Returns: ψ(x), or NaN at a pole.
    public static func digamma(_ x: Double) -> Double {
        var x = x
        var result = 0.0
        if x <= 0 {
            if x == x.rounded(.down) { return .nan }
            // Reflection: ψ(1 − x) − ψ(x) = π cot(πx).
            result = -Double.pi / tanPi(x)
            x = 1 - x
        }
        // Recurrence ψ(x) = ψ(x + 1) − 1/x up to where the asymptotic series is accurate to double precision.
        while x < 10 {
            result -= 1 / x
            x += 1
        }
        let inv = 1 / x
        let inv2 = inv * inv
        // ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ)
        let tail = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240
            - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 - inv2 * (1.0 / 12)))))))
        return result + log(x) - 0.5 * inv - tail
    }

    /// The Gauss hypergeometric function ₂F₁(a, b; c; z) = Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ for real z < 1
    /// (and z = 1 when c − a − b > 0).
    ///
    /// Negative z goes through Pfaff's transformation to an argument in (0, 1); arguments up to 0.9 are summed
    /// directly; closer to 1 the 1 − z connection formula is used, falling back to the direct series or to a
    /// symmetric perturbation of c when c − a − b is (nearly) an integer, where that formula degenerates.
    /// Intermediate sums are rescaled so that large parameters do not overflow before the result does.
    /// - Parameters:
    ///   - a: First numerator parameter.
    ///   - b: Second numerator parameter.
    ///   - c: Denominator parameter; not 0, −1, −2, … (unless the series terminates first).
    ///   - z: The argument, z < 1.
    /// - Returns: ₂F₁(a, b; c; z), or NaN when it is undefined or the summation did not converge.
    public static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        scaledHypergeometric2F1(a, b, c, z).value
    }

    // MARK: - Internals

    /// A number held as mantissa · e^logScale so that large intermediate values do not overflow.
    struct Scaled {
        var mantissa: Double
        var logScale: Double

        var value: Double { mantissa == 0 ? 0 : mantissa * exp(logScale) }

        static let nan = Scaled(mantissa: .nan, logScale: 0)

        /// The sum of two scaled numbers.
        static func + (lhs: Scaled, rhs: Scaled) -> Scaled {
            if lhs.mantissa == 0 { return rhs }
            if rhs.mantissa == 0 { return lhs }
            let top = max(lhs.logScale, rhs.logScale)
            return Scaled(
                mantissa: lhs.mantissa * exp(lhs.logScale - top) + rhs.mantissa * exp(rhs.logScale - top),
                logScale: top)
        }
    }

    /// Largest argument summed directly in the general case.
    private static let directLimit = 0.9
    /// Largest argument summed directly when the connection formula degenerates.
    private static let degenerateDirectLimit = 0.9999
    /// Below this distance of c − a − b from an integer the connection formula loses more than ~3 digits.
    private static let nearIntegerBand = 1e-3
    /// Half-width of the perturbation of c − a − b used at the integer itself (balances the O(δ²) bias of the
    /// symmetric average against the O(ε/δ) cancellation of the connection formula: about 1e-9 relative).
    private static let perturbation = 3e-6
    private static let maxTerms = 5_000_000

    static func scaledHypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Scaled {
        guard a.isFinite, b.isFinite, c.isFinite, z.isFinite, z <= 1 else { return .nan }
        if z == 0 || a == 0 || b == 0 { return Scaled(mantissa: 1, logScale: 0) }
        if c <= 0, c == c.rounded(.down), !terminatesBefore(pole: c, a, b) { return .nan }
        if z == 1 { return gaussSum(a, b, c) }
        if z < 0 {
            // Pfaff: F(a,b;c;z) = (1−z)^(−a) F(a, c−b; c; z/(z−1)); take the form that keeps a terminating
            // series terminating.
            let w = z / (z - 1)
            let keepB = isNonPositiveInteger(b) && !isNonPositiveInteger(a)
            let (p, q) = keepB ? (b, a) : (a, b)
            var inner = scaledHypergeometric2F1(p, c - q, c, w)
            inner.logScale -= p * log1p(-z)
            return inner
        }
        if z <= directLimit || isNonPositiveInteger(a) || isNonPositiveInteger(b) { return series(a, b, c, z) }
        let m = c - a - b
        let k = m.rounded()
        let distance = abs(m - k)
        if distance >= nearIntegerBand { return connection(a, b, c, z) }
        if z <= degenerateDirectLimit { return series(a, b, c, z) }
        if distance >= perturbation { return connection(a, b, c, z) }
        // m is (nearly) an integer and z is very close to 1: interpolate linearly in c between the two points
        // where m = k ± δ, each of which the connection formula handles.
        let lower = connection(a, b, c - (m - k) - perturbation, z)
        let upper = connection(a, b, c - (m - k) + perturbation, z)
        let weight = ((m - k) + perturbation) / (2 * perturbation)
        var l = lower
        l.mantissa *= 1 - weight
        var u = upper
        u.mantissa *= weight
        return l + u
    }

    private static func isNonPositiveInteger(_ x: Double) -> Bool { x <= 0 && x == x.rounded(.down) }

    /// Whether the series stops (a or b a non-positive integer) before the term that divides by zero at c.
    private static func terminatesBefore(pole c: Double, _ a: Double, _ b: Double) -> Bool {
        (isNonPositiveInteger(a) && a > c) || (isNonPositiveInteger(b) && b > c)
    }

    /// F(a,b;c;1) = Γ(c)Γ(c−a−b) / (Γ(c−a)Γ(c−b)), when c − a − b > 0.
    private static func gaussSum(_ a: Double, _ b: Double, _ c: Double) -> Scaled {
        guard c - a - b > 0 else { return Scaled(mantissa: .infinity, logScale: 0) }
        return gammaRatio(numerator: [c, c - a - b], denominator: [c - a, c - b])
    }

    /// Π Γ(numerator) / Π Γ(denominator) in scaled form (zero when a denominator sits on a pole).
    private static func gammaRatio(numerator: [Double], denominator: [Double]) -> Scaled {
        var logValue = 0.0
        var sign = 1.0
        for x in numerator {
            let g = logGammaWithSign(x)
            if g.sign == 0 { return .nan }
            logValue += g.logAbs
            sign *= g.sign
        }
        for x in denominator {
            let g = logGammaWithSign(x)
            if g.sign == 0 { return Scaled(mantissa: 0, logScale: 0) }
            logValue -= g.logAbs
            sign *= g.sign
        }
        return Scaled(mantissa: sign, logScale: logValue)
    }

    /// The 1 − z connection formula (Abramowitz & Stegun 15.3.6), for c − a − b not an integer:
    /// F(a,b;c;z) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) F(a,b;a+b−c+1;1−z)
    ///            + (1−z)^(c−a−b) Γ(c)Γ(a+b−c)/(Γ(a)Γ(b)) F(c−a,c−b;c−a−b+1;1−z).
    private static func connection(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Scaled {
        let m = c - a - b
        let y = 1 - z
        var first = gammaRatio(numerator: [c, m], denominator: [c - a, c - b])
        if first.mantissa != 0 {
            let f = series(a, b, 1 - m, y)
            first = Scaled(mantissa: first.mantissa * f.mantissa, logScale: first.logScale + f.logScale)
        }
        var second = gammaRatio(numerator: [c, -m], denominator: [a, b])
        if second.mantissa != 0 {
            let f = series(c - a, c - b, 1 + m, y)
            second = Scaled(mantissa: second.mantissa * f.mantissa, logScale: second.logScale + f.logScale + m * log(y))
        }
        return first + second
    }

    /// The defining series, summed until the remaining tail is below double precision, with rescaling.
    static func series(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Scaled {
        var term = 1.0
        var sum = 1.0
        var logScale = 0.0
        // Past every sign change of (a+n), (b+n), (c+n) the term ratios are monotone, so the tail is bounded by
        // a geometric series and a small term really means the sum has converged.
        let settled = Double(max(0, -a, -b, -c).rounded(.up))
        var n = 0.0
        var quiet = 0
        let rescale = 1e250
        let logRescale = log(rescale)
        for _ in 0..<maxTerms {
            let ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            term *= ratio
            if term == 0 { return Scaled(mantissa: sum, logScale: logScale) }
            sum += term
            n += 1
            if abs(sum) > rescale {
                sum /= rescale
                term /= rescale
                logScale += logRescale
            }
            let bound = max(abs(ratio), abs(z))
            if n > settled, bound < 1, abs(term) * bound / (1 - bound) <= 0x1p-54 * abs(sum) {
                quiet += 1
                if quiet >= 2 { return Scaled(mantissa: sum, logScale: logScale) }
            } else {
                quiet = 0
            }
            if !sum.isFinite { return .nan }
        }
        return .nan
    }

    /// sin(πx), exact at integers and accurate for large |x|.
    static func sinPi(_ x: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: 2)  // (−2, 2)
        if r < 0 { r += 2 }  // [0, 2)
        if r == 0 || r == 1 { return 0 }
        return sin(Double.pi * r)
    }

    /// tan(πx), accurate for large |x|.
    static func tanPi(_ x: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: 1)
        if r < 0 { r += 1 }
        if r == 0 { return 0 }
        return tan(Double.pi * r)
    }
}
