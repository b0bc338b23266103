import AerCore
import AerEngine
import AerJSON
import AerStore
import Testing

/// Feeds events through the real store (identity resolution included), like ingest does.
func ingest(_ store: SQLiteStore, _ events: [Event]) async throws {
    _ = try await store.append(events)
}

func trackEvent(_ id: String, _ name: String, user: String = "ada", at: Timestamp, properties: JSONObject = [:]) -> Event {
    Event(messageId: id, source: "web", type: .track, userId: user, name: name, properties: properties, timestamp: at, receivedAt: at)
}

@Suite("Segmentation over the store")
struct SegmentationRunnerTests {
    @Test("migrations are committed with their memberships and the next timer")
    func commitsMigrations() async throws {
        let store = try temporaryStore()
        var runner = SegmentationRunner(store: store, rules: shopRules)
        _ = try await runner.start(now: day0)
        try await ingest(store, [trackEvent("o1", "Order Completed", at: day0, properties: ["revenue": 120])])
        let (migrations, read) = try await runner.processEvents(clock: day0, now: { _ in day0 })
        #expect(read == 1)
        #expect(moves(migrations) == ["lifecycle: - → active @2026-01-01T00:00:00.000Z (event)"])
        #expect(try await store.nextTimer() == day0 + .days(3))
        #expect(try await store.allMemberships().values.flatMap { $0 }.map(\.stage) == ["active"])
    }

    @Test("a restart reports progress for each page of the log it replays (the watchdog's proof of life)")
    func replayProgress() async throws {
        let store = try temporaryStore()
        var first = SegmentationRunner(store: store, rules: shopRules)
        _ = try await first.start(now: day0)
        var replayedPages = 0
        var empty = SegmentationRunner(store: store, rules: shopRules)
        _ = try await empty.start(now: day0) { replayedPages += 1 }
        #expect(replayedPages == 0)
        try await ingest(store, [trackEvent("o1", "Order Completed", at: day0), trackEvent("o2", "Order Completed", at: day0)])
        _ = try await first.processEvents(clock: day0, now: { _ in day0 })
        var restarted = SegmentationRunner(store: store, rules: shopRules)
        _ = try await restarted.start(now: day0) { replayedPages += 1 }
        #expect(replayedPages == 1)
    }

    @Test("an erased customer leaves the running engine too, so no later re-evaluation brings them back")
    func erasureForgets() async throws {
        let store = try temporaryStore()
        var runner = SegmentationRunner(store: store, rules: shopRules)
        _ = try await runner.start(now: day0)
        try await ingest(store, [trackEvent("o1", "Order Completed", at: day0), trackEvent("o2", "Order Completed", user: "bob", at: day0)])
        _ = try await runner.processEvents(clock: day0, now: { _ in day0 })
        let ada = try #require(try await store.profile(matching: "ada")).id
        #expect(runner.engine.profileIds.contains(ada))
        _ = try await store.erase(profileId: ada, suppress: false, actor: "test", now: day0)
        try await runner.forgetErased()
        #expect(!runner.engine.profileIds.contains(ada))
        #expect(runner.engine.profileCount == 1)
        #expect(try await store.allMemberships()[ada] == nil)
        // A restart does not replay the erasure onto the survivors.
        var restarted = SegmentationRunner(store: store, rules: shopRules)
        _ = try await restarted.start(now: day0)
        _ = try await restarted.processEvents(clock: day0, now: { _ in day0 })
        #expect(restarted.engine.profileCount == 1)
    }

    @Test("a rules change re-evaluates every customer in commits of batchSize, reporting progress after each")
    func chunkedReevaluation() async throws {
        let store = try temporaryStore()
        var first = SegmentationRunner(store: store, rules: RuleSet(segments: [topSpender], lifecycles: []))
        _ = try await first.start(now: day0)
        try await ingest(store, ["ada", "bob", "cy"].map { trackEvent("o-\($0)", "Order Completed", user: $0, at: day0) })
        _ = try await first.processEvents(clock: day0, now: { _ in day0 })
        var changed = SegmentationRunner(store: store, rules: shopRules)
        changed.batchSize = 1
        var commits = 0
        let migrations = try await changed.start(now: day0) { commits += 1 }
        // One page of replay, then one commit per customer.
        #expect(commits == 1 + 3)
        #expect(migrations.filter { $0.set == "lifecycle" && $0.cause == .config }.count == 3)
        // The change is recorded as done: the next start re-evaluates nobody.
        var again = SegmentationRunner(store: store, rules: shopRules)
        #expect(try await again.start(now: day0).isEmpty)
    }

    @Test("a timer fires at its own instant even when noticed late, and its migration is dated then")
    func lateTimer() async throws {
        let store = try temporaryStore()
        var runner = SegmentationRunner(store: store, rules: shopRules)
        _ = try await runner.start(now: day0)
        try await ingest(store, [trackEvent("o1", "Order Completed", at: day0)])
        _ = try await runner.processEvents(clock: day0, now: { _ in day0 })
        let fired = try await runner.fireTimers(until: day0 + .days(400))
        #expect(moves(fired) == [
            "lifecycle: active → at_risk @2026-03-02T00:00:00.000Z (timer)",
            "lifecycle: at_risk → churned @2026-06-30T00:00:00.000Z (timer)",
        ])
    }

    @Test("after a restart, state is rebuilt from the log and overdue timers fire with their original instants")
    func restart() async throws {
        let store = try temporaryStore()
        var first = SegmentationRunner(store: store, rules: shopRules)
        _ = try await first.start(now: day0)
        try await ingest(store, [trackEvent("o1", "Order Completed", at: day0)])
        _ = try await first.processEvents(clock: day0, now: { _ in day0 })

        var second = SegmentationRunner(store: store, rules: shopRules)
        let onStart = try await second.start(now: day0 + .days(90))
        #expect(onStart.isEmpty)
        #expect(second.engine.memberships(of: 1).map(\.stage) == ["active"])
        let fired = try await second.fireTimers(until: day0 + .days(90))
        #expect(moves(fired) == ["lifecycle: active → at_risk @2026-03-02T00:00:00.000Z (timer)"])
        let (_, read) = try await second.processEvents(clock: day0 + .days(90), now: { _ in day0 + .days(90) })
        #expect(read == 0)
    }

    @Test("a rules change recomputes memberships from history with cause config")
    func configChange() async throws {
        let store = try temporaryStore()
        var first = SegmentationRunner(store: store, rules: shopRules)
        _ = try await first.start(now: day0)
        try await ingest(store, [trackEvent("o1", "Order Completed", at: day0, properties: ["revenue": 600])])
        _ = try await first.processEvents(clock: day0, now: { _ in day0 })

        let stricter = RuleSet(segments: [SegmentDefinition(id: "big_spender", kind: .value, condition: .aggregate(AggregateRule(
            function: .sum, property: "revenue", event: "Order Completed", within: nil, filters: [], comparison: Comparison(.greaterOrEqual, 1000))))],
                               lifecycles: [lifecycle])
        var second = SegmentationRunner(store: store, rules: stricter)
        let changed = try await second.start(now: day0 + .days(1))
        #expect(changed.isEmpty)  // still active; top_spender left the config, big_spender not reached
        #expect(try await store.allMemberships()[1]?.map(\.set) == ["lifecycle"])

        var third = SegmentationRunner(store: store, rules: shopRules)
        let back = try await third.start(now: day0 + .days(1))
        #expect(moves(back) == ["top_spender: - → top_spender @2026-01-02T00:00:00.000Z (config)"])
    }

    @Test("events written by another writer (an import) are picked up exactly once")
    func exactlyOnce() async throws {
        let store = try temporaryStore()
        var runner = SegmentationRunner(store: store, rules: shopRules)
        runner.batchSize = 2
        _ = try await runner.start(now: day0)
        try await ingest(store, (0..<5).map { trackEvent("o\($0)", "Order Completed", at: day0 + .days(Int64($0))) })
        var total = 0
        while true {
            let (_, read) = try await runner.processEvents(clock: day0 + .days(5), now: { _ in day0 + .days(5) })
            if read == 0 { break }
            total += read
        }
        #expect(total == 5)
        var restarted = SegmentationRunner(store: store, rules: shopRules)
        _ = try await restarted.start(now: day0 + .days(5))
        #expect(try await restarted.processEvents(clock: day0 + .days(5), now: { _ in day0 + .days(5) }).read == 0)
        #expect(restarted.engine.memberships(of: 1).first?.stage == "loyal")
    }

    @Test("a simulation fires each timer between the events around it, however many events a page of the log holds", arguments: [1, 2, 1000])
    func simulationAcrossPages(batchSize: Int) async throws {
        let store = try temporaryStore()
        var runner = SegmentationRunner(store: store, rules: shopRules)
        runner.batchSize = batchSize
        _ = try await runner.start(now: day0)
        try await ingest(store, [
            trackEvent("a1", "Order Completed", user: "ada", at: day0),
            trackEvent("b1", "Order Completed", user: "bob", at: day0 + .days(65)),
            trackEvent("a2", "Order Completed", user: "ada", at: day0 + .days(70)),
        ])
        let migrations = try await runner.simulate(until: day0 + .days(150))
        #expect(moves(migrations) == [
            "lifecycle: - → active @2026-01-01T00:00:00.000Z (event)",
            "lifecycle: active → at_risk @2026-03-02T00:00:00.000Z (timer)",
            "lifecycle: - → active @2026-03-07T00:00:00.000Z (event)",
            "lifecycle: at_risk → active @2026-03-12T00:00:00.000Z (event)",
            "lifecycle: active → at_risk @2026-05-06T00:00:00.000Z (timer)",
            "lifecycle: active → at_risk @2026-05-11T00:00:00.000Z (timer)",
        ])
        #expect(runner.cursor == 3)
    }

    @Test("a merge of an anonymous history into a known customer rebuilds the survivor")
    func merge() async throws {
        let store = try temporaryStore()
        var runner = SegmentationRunner(store: store, rules: shopRules)
        _ = try await runner.start(now: day0)
        let anonymousOrder = Event(messageId: "a1", source: "web", type: .track, anonymousId: "device", name: "Order Completed", timestamp: day0, receivedAt: day0)
        try await ingest(store, [anonymousOrder, trackEvent("k1", "Page Viewed", user: "ada", at: day0)])
        _ = try await runner.processEvents(clock: day0, now: { _ in day0 })
        let link = Event(messageId: "i1", source: "web", type: .identify, userId: "ada", anonymousId: "device", timestamp: day0 + .hours(1), receivedAt: day0 + .hours(1))
        try await ingest(store, [link])
        let (migrations, _) = try await runner.processEvents(clock: day0 + .hours(1), now: { _ in day0 + .hours(1) })
        let ada = try #require(try await store.profile(matching: "ada"))
        #expect(migrations.contains { $0.profileId == ada.id && $0.to == "active" && $0.cause == .merge })
        #expect(try await store.allMemberships().count == 1)
    }
}
