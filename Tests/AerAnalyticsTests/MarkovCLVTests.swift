@testable import AerAnalytics
import Foundation
import Testing

/// Pfeifer & Carraway (2000), recency example: state i = periods since the last purchase (1…4), state 5 = lost.
/// A customer in state i buys with probability pᵢ (→ state 1) or not (→ state i+1); state 5 keeps its customers.
/// Reward per period: state 1 just bought, NC − M = 40 − 4; states 2…4 are marketed at M = 4; state 5 earns
/// nothing and is not marketed.
enum RecencyExample {
    static let states = ["r1", "r2", "r3", "r4", "lost"]
    static let purchase = [0.30, 0.20, 0.15, 0.05]
    static var transition: [[Double]] {
        var p = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
        for i in 0..<4 {
            p[i][0] = purchase[i]
            p[i][i + 1] = 1 - purchase[i]
        }
        p[4][4] = 1
        return p
    }
    static let reward: [Double] = [40 - 4, -4, -4, -4, 0]

    static func chain(discountRate: Double) throws -> MarkovCLV {
        try MarkovCLV(states: states, transition: transition, reward: reward, discountRate: discountRate)
    }
}

@Suite("Markov-chain CLV")
struct MarkovCLVTests {
    @Test("the textbook recency example with no discount gives V₁ = 64.25")
    func textbookUndiscounted() throws {
        let v = try RecencyExample.chain(discountRate: 0).values()
        #expect(agrees(v["r1"]!, 64.25, significantFigures: 4))
        #expect(abs(v["r1"]! - 64.254754530) < 1e-8)  // 29.056 / 0.4522, solved by hand
        #expect(v["lost"] == 0)
    }

    @Test("the textbook recency example discounted at 20 % a period matches (I − P/1.2)⁻¹ R")
    func textbookDiscounted() throws {
        let v = try RecencyExample.chain(discountRate: 0.2).values()
        // numpy.linalg.solve(I − P/1.2, R)
        for (state, reference) in zip(RecencyExample.states, [52.31960944, 5.55378356, 1.25077299, -1.82001627, 0]) {
            #expect(abs(v[state]! - reference) < 1e-7, "\(state)")
        }
    }

    @Test("the finite-horizon value is Σ_{t=0}^{T} (P/(1+d))ᵗ R")
    func finiteHorizon() throws {
        let chain = try RecencyExample.chain(discountRate: 0.2)
        let v0 = try chain.values(horizon: 0)
        #expect(v0["r1"] == 36)
        let v3 = try chain.values(horizon: 3)
        for (state, reference) in zip(RecencyExample.states, [48.47685185, 3.4212963, 0.21064815, -2.07175926, 0]) {
            #expect(abs(v3[state]! - reference) < 1e-7, "\(state)")
        }
    }

    @Test("the finite-horizon value converges to the infinite-horizon one")
    func finiteHorizonConverges() throws {
        let chain = try RecencyExample.chain(discountRate: 0.05)
        let infinite = try chain.values()
        let long = try chain.values(horizon: 2000)
        for state in RecencyExample.states { #expect(abs(long[state]! - infinite[state]!) < 1e-9) }
    }

    @Test("the value of a migration A → B is V(B) − V(A)")
    func migrationValue() throws {
        let chain = try RecencyExample.chain(discountRate: 0)
        let v = try chain.values()
        #expect(try chain.migrationValue(from: "r3", to: "r1") == v["r1"]! - v["r3"]!)
        #expect(abs(try chain.migrationValue(from: "r1", to: "lost") + 64.254754530) < 1e-8)
    }

    @Test("a migration naming an unknown stage is refused")
    func migrationUnknownStage() throws {
        let chain = try RecencyExample.chain(discountRate: 0)
        let error = #expect(throws: AnalyticsError.self) { try chain.migrationValue(from: "r1", to: "vip") }
        #expect(error?.code == .unknownState)
    }

    @Test("with no discount, states that never reach an absorbing state are reported as unbounded")
    func undiscountedWithoutAbsorbingState() throws {
        let chain = try MarkovCLV(
            states: ["active", "at_risk"], transition: [[0.9, 0.1], [0.5, 0.5]], reward: [10, -1], discountRate: 0)
        let error = #expect(throws: AnalyticsError.self) { try chain.values() }
        #expect(error?.code == .unboundedValue)
        #expect(error?.message.contains("active") == true)
        #expect(error?.message.contains("discount rate") == true)
    }

    @Test("with no discount, a state that keeps its customers but earns a reward is unbounded")
    func undiscountedRewardingTrap() throws {
        let chain = try MarkovCLV(
            states: ["new", "loyal"], transition: [[0.5, 0.5], [0, 1]], reward: [1, 5], discountRate: 0)
        let error = #expect(throws: AnalyticsError.self) { try chain.values() }
        #expect(error?.code == .unboundedValue)
    }

    @Test("the linear solver reports a singular system by the unknown it cannot determine")
    func singularSystem() {
        let error = #expect(throws: AnalyticsError.self) {
            try LinearSolver.solve([[1, 2], [2, 4]], [1, 2], names: ["x", "y"])
        }
        #expect(error?.code == .singularMatrix)
        #expect(error?.message.contains("'y'") == true)
    }

    @Test("the linear solver pivots on the largest entry")
    func pivoting() throws {
        let x = try LinearSolver.solve([[1e-20, 1], [1, 1]], [1, 2])
        #expect(abs(x[0] - 1) < 1e-15)
        #expect(abs(x[1] - 1) < 1e-15)
    }

    @Test("a transition row that does not sum to 1 is refused by name")
    func invalidRow() {
        let error = #expect(throws: AnalyticsError.self) {
            try MarkovCLV(states: ["a", "b"], transition: [[0.5, 0.4], [0, 1]], reward: [1, 0], discountRate: 0.1)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'a'") == true)
    }

    @Test("estimation row-normalises migration counts with stays")
    func estimateFromCounts() throws {
        let migrations: [(from: String, to: String)] =
            Array(repeating: ("active", "at_risk"), count: 20) + Array(repeating: ("at_risk", "active"), count: 10)
            + Array(repeating: ("at_risk", "churned"), count: 30)
        let chain = try MarkovCLV.estimate(
            states: ["active", "at_risk", "churned"], migrations: migrations, stays: ["active": 80, "at_risk": 60],
            absorbing: ["churned"], marginPerPeriod: ["active": 12, "at_risk": 3],
            marketingCostPerPeriod: ["active": 1, "at_risk": 2], discountRate: 0)
        #expect(chain.transition == [[0.8, 0.2, 0], [0.1, 0.6, 0.3], [0, 0, 1]])
        #expect(chain.reward == [11, 1, 0])
        #expect(chain.absorbingStates == ["churned"])
        // V_a = 11 + 0.8 V_a + 0.2 V_r, V_r = 1 + 0.1 V_a + 0.6 V_r → V_a = 55 + V_r, 0.3 V_r = 6.5.
        let v = try chain.values()
        #expect(abs(v["at_risk"]! - 65.0 / 3) < 1e-12)
        #expect(abs(v["active"]! - (55 + 65.0 / 3)) < 1e-12)
    }

    @Test("estimation refuses a non-absorbing stage with no observations")
    func estimateUnobservedStage() {
        let error = #expect(throws: AnalyticsError.self) {
            try MarkovCLV.estimate(
                states: ["active", "dormant"], migrations: [], stays: ["active": 5], marginPerPeriod: [:],
                discountRate: 0.01)
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("'dormant'") == true)
    }

    @Test("estimation refuses counts that name an unknown stage")
    func estimateUnknownStage() {
        let error = #expect(throws: AnalyticsError.self) {
            try MarkovCLV.estimate(
                states: ["active"], migrations: [("active", "vip")], stays: [:], marginPerPeriod: [:],
                discountRate: 0.01)
        }
        #expect(error?.code == .unknownState)
        #expect(error?.message.contains("'vip'") == true)
    }

    @Test("a saved chain decodes only if it is still a valid chain")
    func decodingValidates() throws {
        let chain = try RecencyExample.chain(discountRate: 0.1)
        let data = try JSONEncoder().encode(chain)
        #expect(try JSONDecoder().decode(MarkovCLV.self, from: data) == chain)
        let broken = Data(#"{"states":["a","b"],"transition":[[1],[0,1]],"reward":[0,0],"discountRate":0}"#.utf8)
        #expect(throws: AnalyticsError.self) { try JSONDecoder().decode(MarkovCLV.self, from: broken) }
    }
}
