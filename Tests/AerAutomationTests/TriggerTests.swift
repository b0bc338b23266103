import AerAutomation
import AerConfig
import AerCore
import AerEngine
import AerJSON
import AerRendering
import AerStore
import Foundation
import Testing

let day0 = Timestamp(iso8601: "2026-01-01T09:00:00Z")!

let simpleLifecycle = LifecycleSet(id: "lifecycle", stages: [
    Stage(id: "at_risk", condition: .all([
        .event(EventRule(name: "Order Completed")),
        .event(EventRule(name: "Order Completed", count: Comparison(.equal, 0), within: .days(60))),
    ])),
    Stage(id: "active", condition: .event(EventRule(name: "Order Completed", within: .days(60)))),
    Stage(id: "prospect", condition: nil),
])

let shippedTemplates: TemplateLibrary = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let configuration = try! ConfigLoader.load(directory: root + "/config", environment: ["AERD_ADMIN_TOKEN": "x", "AERD_WRITE_KEY": "y"]).get()
    return try! TemplateLibrary.compile(configuration.templates).get()
}()

/// The engine, automation and store wired as the daemon wires them, with one strategy.
struct Rig {
    let store: SQLiteStore
    var runner: SegmentationRunner

    init(trigger: Trigger, policy: Policy = Policy(), segments: [SegmentDefinition] = [], library: TemplateLibrary = shippedTemplates) async throws {
        store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-triggers-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(day0))
        let strategy = Strategy(id: "retain_drifting", aer: .retain, positioning: "We remember you.", policy: policy, triggers: [trigger])
        let catalog = TriggerCatalog(strategies: [strategy])
        runner = SegmentationRunner(store: store, rules: RuleSet(segments: segments, lifecycles: [simpleLifecycle], conditions: catalog.conditions))
        runner.planner = Automation(catalog: catalog, store: store, renderer: TemplateActionRenderer(
            library: library, channelTypes: ["sms": "sms"], segmentKinds: [:], unsubscribe: nil))
        _ = try await runner.start(now: day0)
    }

    mutating func send(_ name: String, at: Timestamp, user: String = "ada", properties: JSONObject = [:], type: EventType = .track, traits: JSONObject = [:]) async throws {
        _ = try await store.append([Event(messageId: UUID().uuidString, source: "web", type: type, userId: user, name: type == .track ? name : nil,
                                          properties: properties, traits: traits, timestamp: at, receivedAt: at)])
        _ = try await runner.simulate(until: at)
    }

    mutating func advance(to instant: Timestamp) async throws {
        _ = try await runner.simulate(until: instant)
    }

    func outbox() async throws -> [OutboxEntry] {
        try await store.outbox(status: nil, strategy: nil, after: 0, limit: 100)
    }
}

let drifting = Trigger(id: "drifting", on: .migration(set: "lifecycle", from: ["active"], to: ["at_risk"]),
                       actions: [Action(channel: "sms", template: "retention_sms", params: ["coupon": "COMEBACK15"])])

@Suite("Triggers")
struct TriggerTests {
    @Test("active → at_risk writes a rendered, pending SMS to the outbox, due at the migration's instant")
    func migrationFires() async throws {
        var rig = try await Rig(trigger: drifting)
        try await rig.send("identify", at: day0, type: .identify, traits: ["first_name": "Ada", "phone": "+4915112340000"])
        try await rig.send("Order Completed", at: day0)
        try await rig.advance(to: day0 + .days(61))
        let rows = try await rig.outbox()
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row.status == .pending)
        #expect(row.dueAt == day0 + .days(60))
        #expect(row.message["recipient"]?["phone"] == "+4915112340000")
        #expect(row.message["text"]?.stringValue?.contains("Ada") == true)
        #expect(row.message["payload"]?["strategy"]?["positioning"] == "We remember you.")
        #expect(row.idempotencyKey.hasPrefix("retain_drifting.drifting.1."))
    }

    @Test("re-entry: once fires a single time; a cooldown fires again only after it; once_per_migration every time")
    func reentry() async throws {
        func firings(_ reentry: Reentry) async throws -> Int {
            var trigger = drifting
            trigger.reentry = reentry
            var rig = try await Rig(trigger: trigger)
            try await rig.send("Order Completed", at: day0)
            try await rig.advance(to: day0 + .days(61))
            try await rig.send("Order Completed", at: day0 + .days(70))
            try await rig.advance(to: day0 + .days(140))
            return try await rig.outbox().count
        }
        #expect(try await firings(.once) == 1)
        #expect(try await firings(.oncePerMigration) == 2)
        #expect(try await firings(.cooldown(.days(30))) == 2)
        #expect(try await firings(.cooldown(.days(90))) == 1)
    }

    @Test("an if: condition that does not hold at firing time stops the trigger")
    func condition() async throws {
        var trigger = drifting
        trigger.condition = .trait(TraitRule(trait: "sms_opt_in", test: .equals(true)))
        var rig = try await Rig(trigger: trigger)
        try await rig.send("Order Completed", at: day0)
        try await rig.advance(to: day0 + .days(61))
        #expect(try await rig.outbox().isEmpty)
    }

    @Test("after a wait the customer is re-checked: still at risk → pending; ordered meanwhile → skipped; recheck: false → pending anyway")
    func waitRecheck() async throws {
        var trigger = drifting
        trigger.wait = .hours(2)
        var still = try await Rig(trigger: trigger)
        try await still.send("Order Completed", at: day0)
        try await still.advance(to: day0 + .days(61))
        #expect(try await still.outbox().map(\.status) == [.pending])

        var back = try await Rig(trigger: trigger)
        try await back.send("Order Completed", at: day0)
        try await back.advance(to: day0 + .days(60))
        #expect(try await back.outbox().map(\.status) == [.waiting])
        try await back.send("Order Completed", at: day0 + .days(60) + .hours(1))
        try await back.advance(to: day0 + .days(61))
        let skipped = try await back.outbox()
        #expect(skipped.map(\.status) == [.skipped])
        #expect(skipped.first?.reason == "no_longer_matches")

        trigger.recheck = false
        var blind = try await Rig(trigger: trigger)
        try await blind.send("Order Completed", at: day0)
        try await blind.advance(to: day0 + .days(60))
        try await blind.send("Order Completed", at: day0 + .days(60) + .hours(1))
        try await blind.advance(to: day0 + .days(61))
        #expect(try await blind.outbox().map(\.status) == [.pending])
    }

    @Test("an event trigger fires on matching properties only")
    func eventTrigger() async throws {
        let trigger = Trigger(id: "added", on: .event(name: "Product Added", filters: [PropertyFilter(path: "category", test: .equals("running"))]),
                              reentry: .oncePerMigration, actions: [Action(channel: "sms", template: "retention_sms")])
        var rig = try await Rig(trigger: trigger)
        try await rig.send("Product Added", at: day0, properties: ["category": "hiking"])
        #expect(try await rig.outbox().isEmpty)
        try await rig.send("Product Added", at: day0 + .hours(1), properties: ["category": "running"])
        #expect(try await rig.outbox().count == 1)
    }

    @Test("migrations caused by a configuration change do not fire unless the trigger says on_backfill")
    func backfill() async throws {
        for onBackfill in [false, true] {
            var trigger = Trigger(id: "entered", on: .enter(segment: "buyers"), onBackfill: onBackfill, actions: [Action(channel: "sms", template: "retention_sms")])
            trigger.reentry = .oncePerMigration
            var rig = try await Rig(trigger: trigger)
            try await rig.send("Order Completed", at: day0)
            // The same store, now with a new segment: its first memberships come from the configuration change.
            let strategy = Strategy(id: "retain_drifting", aer: .retain, positioning: "p", triggers: [trigger])
            let catalog = TriggerCatalog(strategies: [strategy])
            let buyers = SegmentDefinition(id: "buyers", kind: .behavioural, condition: .event(EventRule(name: "Order Completed")))
            var next = SegmentationRunner(store: rig.store, rules: RuleSet(segments: [buyers], lifecycles: [simpleLifecycle], conditions: catalog.conditions))
            next.planner = Automation(catalog: catalog, store: rig.store, renderer: TemplateActionRenderer(
                library: shippedTemplates, channelTypes: ["sms": "sms"], segmentKinds: [:], unsubscribe: nil))
            let changed = try await next.start(now: day0 + .hours(1))
            #expect(changed.contains { $0.set == "buyers" && $0.cause == .config })
            #expect(try await rig.outbox().count == (onBackfill ? 1 : 0))
        }
    }

    @Test("a goal event after a firing is recorded as a conversion")
    func goal() async throws {
        var rig = try await Rig(trigger: drifting, policy: Policy(goal: Goal(event: "Order Completed", within: .days(14))))
        try await rig.send("Order Completed", at: day0)
        try await rig.advance(to: day0 + .days(61))
        try await rig.send("Order Completed", at: day0 + .days(65))
        let outcomes = try await rig.store.firingOutcomes(since: day0, until: day0 + .days(100))
        #expect(outcomes.map(\.converted) == [true])
    }
}
