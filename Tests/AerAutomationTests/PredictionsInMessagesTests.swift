import AerAnalytics
import AerAutomation
import AerConfig
import AerCore
import AerRendering
import AerStore
import Testing

/// A fit as a refit records it, with values for the stages of `simpleLifecycle`.
func fitWithStageValues() throws -> ModelFit {
    let valuation = try CustomerValuation(
        purchases: try BGNBDModel(r: 0.8, alpha: 12, a: 0.9, b: 3.1, fittedLogLikelihood: -1234.5, customers: 500),
        spend: try GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44, fittedLogLikelihood: -987.6, customers: 200),
        period: .day, horizonSeconds: 365 * 86_400, yearlyDiscountRate: 0.1, margin: 0.5)
    return ModelFit(
        fittedAt: day0, horizon: .days(365), valuation: valuation, purchases: 1800,
        stageValues: ["lifecycle": ["active": 120.5, "at_risk": 45.25, "prospect": 0]])
}

/// An SMS that quotes every prediction, by both of its names.
let valueSMS = try! TemplateLibrary.compile(["value_sms": TemplateSource(
    name: "value_sms", text: "clv {{predictions.clv}} p_alive {{p_alive}} at stake {{value_at_stake}}", html: nil, subject: nil,
    textPath: "templates/value_sms.text.mustache", htmlPath: nil, subjectPath: nil)]).get()

@Suite("Predictions in messages")
struct PredictionsInMessagesTests {
    @Test("a migration's message carries the customer's clv and p_alive at its instant and the value at stake V(to) − V(from)")
    func migrationMessageCarriesPredictions() async throws {
        let trigger = Trigger(id: "drifting", on: .migration(set: "lifecycle", from: ["active"], to: ["at_risk"]),
                              actions: [Action(channel: "sms", template: "value_sms")])
        var rig = try await Rig(trigger: trigger, library: valueSMS)
        let fit = try fitWithStageValues()
        _ = try await rig.store.recordModelFit(fit)
        _ = try await rig.runner.refreshModel(now: day0)
        for order in 0..<3 { try await rig.send("Order Completed", at: day0 + .days(Int64(10 * order)), properties: ["revenue": 80]) }
        let drifted = day0 + .days(80)
        try await rig.advance(to: drifted + .days(1))

        let row = try #require(try await rig.outbox().first)
        let ada = try #require(try await rig.store.profile(matching: "ada")).id
        let expected = try #require(fit.predictions(for: try await rig.store.purchases(ofProfile: ada), at: drifted))
        #expect(expected.probabilityAlive < 1 && expected.lifetimeValue > 0)
        let stake = 45.25 - 120.5
        let rounded = { (value: Double) in String((value * 100).rounded() / 100) }
        #expect(row.message["text"]?.stringValue == "clv \(rounded(expected.lifetimeValue)) p_alive \(rounded(expected.probabilityAlive)) at stake \(rounded(stake))")
        let predictions = row.message["payload"]?["predictions"]
        #expect(predictions?["clv"]?.numberValue == expected.lifetimeValue)
        #expect(predictions?["pAlive"]?.numberValue == expected.probabilityAlive)
        #expect(predictions?["expectedValue"]?.numberValue == expected.expectedSpend)
        #expect(predictions?["valueAtStake"]?.numberValue == stake)
    }
}
