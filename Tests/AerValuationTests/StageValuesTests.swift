import AerCore
import AerEngine
import AerStore
import AerValuation
import Testing

/// Customers who ordered in the last 60 days are active; those who ordered before are at risk.
let lifecycle = LifecycleSet(id: "lifecycle", stages: [
    Stage(id: "active", condition: .event(EventRule(name: "Order Completed", within: .days(60)))),
    Stage(id: "at_risk", condition: .event(EventRule(name: "Order Completed"))),
    Stage(id: "prospect", condition: nil),
])

/// The synthetic shop with its year replayed through `lifecycle`, so the store holds every customer's migrations.
func shopWithLifecycleHistory() async throws -> SQLiteStore {
    let store = try temporaryStore()
    _ = try await store.append(syntheticOrders(customers: 300).sorted { $0.timestamp < $1.timestamp })
    var runner = SegmentationRunner(store: store, rules: RuleSet(segments: [], lifecycles: [lifecycle]))
    _ = try await runner.start(now: observationStart)
    _ = try await runner.simulate(until: fitTime)
    return store
}

@Suite("Stage values recorded with a fit")
struct StageValuesTests {
    @Test("a refit records the values aerd report clv estimates for each lifecycle set, and the value at stake of a migration")
    func refitRecordsStageValues() async throws {
        let store = try await shopWithLifecycleHistory()
        let unused = LifecycleSet(id: "unused", stages: [Stage(id: "vip", condition: .event(EventRule(name: "Order Completed"))), Stage(id: "other", condition: nil)])
        let settings = ModelRefit.Settings(yearlyDiscountRate: 0.1, margin: 0.5)
        let outcome = try await ModelRefit(settings: settings, lifecycles: [lifecycle, unused]).run(store: store, now: fitTime)

        let estimate = try await StageValues.estimate(
            set: lifecycle.id, stages: ["active", "at_risk", "prospect"], store: store, since: fitTime - ModelRefit.stageValueWindow,
            until: fitTime, period: ModelRefit.stageValuePeriod, margin: 0.5, yearlyDiscountRate: 0.1)
        #expect(estimate.exposure["active"] ?? 0 > 0 && estimate.exposure["at_risk"] ?? 0 > 0)
        #expect(outcome.fit.stageValues == ["lifecycle": estimate.values])
        // A set nobody was ever placed in has no values, and the outcome says why.
        #expect(outcome.unvaluedSets.keys.sorted() == ["unused"])

        let stored = try #require(try await store.latestModelFit())
        let values = try #require(stored.stageValues["lifecycle"])
        #expect(values.keys.sorted() == ["active", "at_risk", "prospect"])
        for (stage, value) in estimate.values { #expect(agree(values[stage]!, value)) }
        #expect(values["active"]! > values["at_risk"]!)
        let drift = try #require(stored.valueAtStake(set: "lifecycle", from: "active", to: "at_risk"))
        #expect(drift < 0 && agree(drift, values["at_risk"]! - values["active"]!))
        #expect(stored.valueAtStake(set: "unused", from: "vip", to: "other") == nil)
        #expect(stored.valueAtStake(set: "lifecycle", from: nil, to: "active") == nil)
    }
}
