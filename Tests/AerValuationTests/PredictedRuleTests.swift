import AerAnalytics
import AerCore
import AerEngine
import AerStore
import AerValuation
import Testing

/// `{predicted: p_alive, "<": 0.3}` as a segment.
let churnRisk = SegmentDefinition(
    id: "churn_risk", kind: .lifecycle, condition: .predicted(PredictedRule(metric: .pAlive, comparison: Comparison(.less, 0.3))))

/// Ada bought every five days through December; the synthetic shop gives the models enough customers.
func shopWithAda() async throws -> (store: SQLiteStore, ada: Int64) {
    let store = try temporaryStore()
    _ = try await store.append(syntheticOrders(customers: 300))
    let december = Timestamp(iso8601: "2025-12-01T10:00:00Z")!
    _ = try await store.append((0..<7).map { order("ada", at: december + .days(5 * Int64($0)), revenue: 60) })
    let ada = try #require(try await store.profile(matching: "ada")).id
    return (store, ada)
}

/// Folds the whole log into the runner at `now`.
func catchUp(_ runner: inout SegmentationRunner, now: Timestamp) async throws -> [Migration] {
    var migrations: [Migration] = []
    while true {
        let (found, read) = try await runner.processEvents(clock: now, now: { _ in now })
        migrations += found
        if read == 0 { return migrations }
    }
}

@Suite("Rules on predictions")
struct PredictedRuleTests {
    @Test("p_alive < 0.3 migrates at the solved instant with no new event")
    func churnRiskOnTime() async throws {
        let (store, ada) = try await shopWithAda()
        let fit = try await ModelRefit(settings: .init(period: .day)).run(store: store, now: fitTime).fit

        // The instant from the closed form: the first day on which Ada's P(alive) is below 0.3.
        let model = fit.valuation.purchases
        let firstDay = Timestamp(iso8601: "2025-12-01T00:00:00Z")!
        let today = Double((fitTime.millis - firstDay.millis) / 86_400_000)
        let crossing = try #require(model.instantWhenProbabilityAliveDrops(below: 0.3, frequency: 6, recency: 30, age: today))
        let expected = firstDay + .days(Int64(crossing.rounded(.down)) + 1)
        #expect(expected > fitTime)
        #expect(model.probabilityAlive(frequency: 6, recency: 30, age: Double((expected - .days(1) - firstDay).millis / 86_400_000)) >= 0.3)

        var runner = SegmentationRunner(store: store, rules: RuleSet(segments: [churnRisk], lifecycles: []))
        _ = try await runner.start(now: fitTime)
        let placed = try await catchUp(&runner, now: fitTime)
        #expect(!placed.contains { $0.profileId == ada })

        let early = try await runner.fireTimers(until: expected - .init(millis: 1))
        #expect(!early.contains { $0.profileId == ada })
        let due = try await runner.fireTimers(until: expected)
        let entered = try #require(due.first { $0.profileId == ada })
        #expect(entered.to == "churn_risk" && entered.at == expected && entered.cause == .timer)
    }

    @Test("no fit: predicted rules are false; a refit is adopted and re-evaluates with cause model")
    func refitReevaluates() async throws {
        let (store, ada) = try await shopWithAda()
        let later = fitTime + .days(400)
        var runner = SegmentationRunner(store: store, rules: RuleSet(segments: [churnRisk], lifecycles: []))
        _ = try await runner.start(now: later)
        let placed = try await catchUp(&runner, now: later)
        #expect(!placed.contains { $0.profileId == ada })
        #expect(try await runner.refreshModel(now: later).isEmpty)

        let fit = try await ModelRefit(settings: .init()).run(store: store, now: fitTime).fit
        #expect(try #require(fit.predictions(for: try await store.purchases(ofProfile: ada), at: later)).probabilityAlive < 0.3)
        let adopted = try await runner.refreshModel(now: later)
        let entered = try #require(adopted.first { $0.profileId == ada })
        #expect(entered.to == "churn_risk" && entered.at == later && entered.cause == .model)
        #expect(try await runner.refreshModel(now: later).isEmpty)
    }
}
