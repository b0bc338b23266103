import AerCore
import AerEngine
import AerJSON
import Testing

@Suite("Segmentation engine")
struct SegmentationEngineTests {
    @Test("a first order places a new customer in active, and the next look is when that order leaves its first window")
    func firstOrder() {
        var engine = SegmentationEngine(rules: shopRules)
        let result = engine.apply(order(at: day0), now: day0)
        #expect(moves(result.migrations) == ["lifecycle: - → active @2026-01-01T00:00:00.000Z (event)"])
        // The 3-day "no order" window of cart abandonment is the first to change.
        #expect(result.nextTimer == day0 + .days(3))
    }

    @Test("with no new event, active becomes at_risk exactly at day 60 and churned exactly at day 180")
    func timeDriven() {
        var engine = SegmentationEngine(rules: shopRules)
        let first = engine.apply(order(at: day0), now: day0)
        var timers: [Timestamp] = []
        var migrations: [Migration] = []
        var next = first.nextTimer
        while let due = next, due <= day0 + .days(400) {
            timers.append(due)
            let result = engine.fire(1, at: due)
            migrations += result.migrations
            next = result.nextTimer
        }
        #expect(moves(migrations) == [
            "lifecycle: active → at_risk @2026-03-02T00:00:00.000Z (timer)",
            "lifecycle: at_risk → churned @2026-06-30T00:00:00.000Z (timer)",
        ])
        // Every window edge, and nothing else: 3 days, 60 days, 180 days, 365 days.
        #expect(timers == [day0 + .days(3), day0 + .days(60), day0 + .days(180), day0 + .days(365)])
    }

    @Test("an order from a churned customer brings them back to active")
    func winBack() {
        var engine = SegmentationEngine(rules: shopRules)
        _ = engine.apply(order(at: day0), now: day0)
        _ = engine.fire(1, at: day0 + .days(200))
        let back = engine.apply(order(at: day0 + .days(201)), now: day0 + .days(201))
        #expect(moves(back.migrations) == ["lifecycle: churned → active @2026-07-21T00:00:00.000Z (event)"])
    }

    @Test("five orders within a year make a customer loyal")
    func loyal() {
        var engine = SegmentationEngine(rules: shopRules)
        var last: EvaluationResult?
        for week in 0..<5 { last = engine.apply(order(at: day0 + .weeks(Int64(week))), now: day0 + .weeks(Int64(week))) }
        #expect(engine.memberships(of: 1).first?.stage == "loyal")
        #expect(last.map { moves($0.migrations.filter { $0.set == "lifecycle" }) } == ["lifecycle: active → loyal @2026-01-29T00:00:00.000Z (event)"])
    }

    @Test("cart abandonment: three running-shoe views and an add, then one quiet hour, enters the segment on a timer")
    func cartAbandonment() {
        var engine = SegmentationEngine(rules: shopRules)
        let running: JSONObject = ["category": "running"]
        _ = engine.apply(event("Product Viewed", at: day0, properties: running), now: day0)
        _ = engine.apply(event("Product Viewed", at: day0 + .days(1), properties: ["category": "hiking"]), now: day0 + .days(1))
        _ = engine.apply(event("Product Viewed", at: day0 + .days(1), properties: running), now: day0 + .days(1))
        let third = engine.apply(event("Product Viewed", at: day0 + .days(2), properties: running), now: day0 + .days(2))
        #expect(third.migrations.filter { $0.set == "cart_abandoner" }.isEmpty)
        let added = engine.apply(event("Product Added", at: day0 + .days(2) + .minutes(5)), now: day0 + .days(2) + .minutes(5))
        #expect(added.migrations.filter { $0.set == "cart_abandoner" }.isEmpty)
        #expect(added.nextTimer == day0 + .days(2) + .minutes(65))
        let entered = engine.fire(1, at: added.nextTimer!)
        #expect(moves(entered.migrations) == ["cart_abandoner: - → cart_abandoner @2026-01-03T01:05:00.000Z (timer)"])
        // The first running view leaves the 3-day window at day 3: only two remain, so the customer exits.
        #expect(entered.nextTimer == day0 + .days(3))
        let exited = engine.fire(1, at: entered.nextTimer!)
        #expect(moves(exited.migrations) == ["cart_abandoner: cart_abandoner → - @2026-01-04T00:00:00.000Z (timer)"])
    }

    @Test("an order ends cart abandonment at once")
    func orderEndsAbandonment() {
        var engine = SegmentationEngine(rules: shopRules)
        for hour in 0..<3 { _ = engine.apply(event("Product Viewed", at: day0 + .hours(Int64(hour)), properties: ["category": "running"]), now: day0 + .hours(Int64(hour))) }
        _ = engine.apply(event("Product Added", at: day0 + .hours(3)), now: day0 + .hours(3))
        _ = engine.fire(1, at: day0 + .hours(4))
        #expect(engine.memberships(of: 1).contains { $0.set == "cart_abandoner" })
        let ordered = engine.apply(order(at: day0 + .hours(5)), now: day0 + .hours(5))
        #expect(ordered.migrations.contains { $0.set == "cart_abandoner" && $0.to == nil })
    }

    @Test("revenue within 365 days makes a top spender, and the customer drops out when old orders age out")
    func valueSegment() {
        var engine = SegmentationEngine(rules: shopRules)
        _ = engine.apply(order(300, at: day0), now: day0)
        let second = engine.apply(order(250, at: day0 + .days(100)), now: day0 + .days(100))
        #expect(second.migrations.contains { $0.set == "top_spender" && $0.to == "top_spender" })
        let aged = engine.fire(1, at: day0 + .days(365))
        #expect(aged.migrations.contains { $0.set == "top_spender" && $0.to == nil && $0.at == day0 + .days(365) })
    }

    @Test("a late event inside a window counts; one older than every window changes nothing")
    func lateEvents() {
        var engine = SegmentationEngine(rules: shopRules)
        let now = day0 + .days(100)
        _ = engine.apply(event("Page Viewed", at: now), now: now)
        let tooOld = engine.apply(order(at: now - .days(400)), now: now)
        #expect(engine.memberships(of: 1).first?.stage == "churned")
        #expect(moves(tooOld.migrations).first == "lifecycle: prospect → churned @2026-04-11T00:00:00.000Z (event)")
        let late = engine.apply(order(at: now - .days(10)), now: now)
        #expect(moves(late.migrations) == ["lifecycle: churned → active @2026-04-11T00:00:00.000Z (event)"])
    }

    @Test("an imported lost customer is in lost whatever they did")
    func lostTrait() {
        var engine = SegmentationEngine(rules: shopRules)
        _ = engine.apply(order(at: day0), now: day0)
        var identify = event("x", at: day0 + .days(1))
        identify.event = Event(messageId: "lost-1", source: "import:lost", type: .identify, userId: "ada", traits: ["lost": true], timestamp: day0 + .days(1), receivedAt: day0 + .days(1))
        let lost = engine.apply(identify, now: day0 + .days(1))
        #expect(moves(lost.migrations) == ["lifecycle: active → lost @2026-01-02T00:00:00.000Z (event)"])
    }

    @Test("state stays bounded: a thousand views keep only what the count threshold needs")
    func boundedState() {
        var engine = SegmentationEngine(rules: shopRules)
        for index in 0..<1000 {
            _ = engine.apply(event("Product Viewed", at: day0 + .minutes(Int64(index)), properties: ["category": "running"]), now: day0 + .minutes(Int64(index)))
        }
        #expect(engine.retainedTimestamps(of: 1) <= 4)
    }
}
