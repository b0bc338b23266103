import AerAnalytics
import Foundation
import Testing

/// Reference values from mpmath at 40 digits (`mpmath.hyp2f1`), cross-checked with `scipy.special.hyp2f1`.
struct HypergeometricCase: Sendable, CustomStringConvertible {
    let a, b, c, z, expected: Double
    var description: String { "2F1(\(a), \(b); \(c); \(z))" }
}

@Suite("Special functions")
struct SpecialFunctionsTests {
    static let smallArgumentCases: [HypergeometricCase] = [
        .init(a: 1, b: 1, c: 2, z: 0.5, expected: 1.3862943611198906188),  // −ln(1−z)/z
        .init(a: 0.5, b: 0.5, c: 1.5, z: 0.25, expected: 1.0471975511965977462),  // asin(√z)/√z
        .init(a: 2.2426, b: 4.426, c: 3.219, z: 0.5, expected: 8.9781456469253084226),
        .init(a: 0.2426, b: 2.426, c: 2.219, z: 0.9, expected: 1.9455418035106372324),
    ]

    static let nearOneCases: [HypergeometricCase] = [
        .init(a: 2.2426, b: 4.426, c: 3.219, z: 0.95, expected: 20660.007765904669437),
        .init(a: 20.2426, b: 22.426, c: 21.219, z: 0.99, expected: 7.4968228052447381635e+42),
        .init(a: 0.2426, b: 2.426, c: 2.219, z: 0.9995, expected: 14.847211601533817977),
    ]

    /// c − a − b is an integer: the 1 − z connection formula degenerates there.
    static let integerGapCases: [HypergeometricCase] = [
        .init(a: 1.5, b: 2.5, c: 4.0, z: 0.9995, expected: 29.128100127748893281),
        .init(a: 1.5, b: 2.5, c: 5.0, z: 0.99999, expected: 5.4305426775036421504),
    ]

    static let negativeArgumentCases: [HypergeometricCase] = [
        .init(a: 0.3, b: 0.7, c: 2.0, z: -3.0, expected: 0.83221898018834445717),
        .init(a: 3, b: 4, c: 5.5, z: -20.0, expected: 0.00049082271120699983672),
    ]

    @Test("2F1 matches reference values for |z| ≤ 0.9", arguments: smallArgumentCases)
    func hypergeometricSmallArgument(_ c: HypergeometricCase) {
        #expect(close(SpecialFunctions.hypergeometric2F1(c.a, c.b, c.c, c.z), c.expected, relative: 1e-13))
    }

    @Test("2F1 matches reference values close to z = 1", arguments: nearOneCases)
    func hypergeometricNearOne(_ c: HypergeometricCase) {
        #expect(close(SpecialFunctions.hypergeometric2F1(c.a, c.b, c.c, c.z), c.expected, relative: 1e-12))
    }

    @Test("2F1 stays accurate near z = 1 when c − a − b is an integer", arguments: integerGapCases)
    func hypergeometricIntegerGap(_ c: HypergeometricCase) {
        #expect(close(SpecialFunctions.hypergeometric2F1(c.a, c.b, c.c, c.z), c.expected, relative: 1e-9))
    }

    @Test("2F1 handles negative arguments through Pfaff's transformation", arguments: negativeArgumentCases)
    func hypergeometricNegativeArgument(_ c: HypergeometricCase) {
        #expect(close(SpecialFunctions.hypergeometric2F1(c.a, c.b, c.c, c.z), c.expected, relative: 1e-13))
    }

    @Test("2F1 with a non-positive integer a is a polynomial")
    func hypergeometricTerminates() {
        // 2F1(−3, 2; 1.5; 0.7) = −0.0752 exactly.
        #expect(abs(SpecialFunctions.hypergeometric2F1(-3, 2, 1.5, 0.7) - -0.0752) < 1e-15)
    }

    @Test("2F1 is 1 at z = 0 and undefined at a pole of c")
    func hypergeometricEdges() {
        #expect(SpecialFunctions.hypergeometric2F1(2, 3, 4, 0) == 1)
        #expect(SpecialFunctions.hypergeometric2F1(2, 3, -1, 0.5).isNaN)
    }

    @Test("digamma matches closed forms")
    func digammaValues() {
        let eulerGamma = 0.57721566490153286061
        #expect(abs(SpecialFunctions.digamma(1) + eulerGamma) < 4e-15)
        #expect(abs(SpecialFunctions.digamma(0.5) - (-eulerGamma - 2 * log(2.0))) < 1e-14)
        #expect(abs(SpecialFunctions.digamma(-0.5) - (0.03648997397857652056)) < 1e-14)
        #expect(abs(SpecialFunctions.digamma(100) - 4.6001618527380874002) < 1e-14)
    }

    @Test("log-gamma carries the sign of Γ for negative arguments")
    func logGammaSign() {
        let g = SpecialFunctions.logGammaWithSign(-0.5)  // Γ(−1/2) = −2√π
        #expect(g.sign == -1)
        #expect(abs(exp(g.logAbs) - 2 * Double.pi.squareRoot()) < 1e-14)
        #expect(SpecialFunctions.logGammaWithSign(-2).sign == 0)
    }
}
