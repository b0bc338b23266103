import AerCore
import AerEngine
import AerJSON
import AerStore
import Foundation

let day0 = Timestamp(iso8601: "2026-01-01T00:00:00Z")!

/// The example shop's lifecycle set, written as values.
let lifecycle = LifecycleSet(id: "lifecycle", stages: [
    Stage(id: "lost", condition: .trait(TraitRule(trait: "lost", test: .equals(true)))),
    Stage(id: "churned", condition: .all([
        .event(EventRule(name: "Order Completed")),
        .event(EventRule(name: "Order Completed", count: Comparison(.equal, 0), within: .days(180))),
    ])),
    Stage(id: "at_risk", condition: .all([
        .event(EventRule(name: "Order Completed")),
        .event(EventRule(name: "Order Completed", count: Comparison(.equal, 0), within: .days(60))),
    ])),
    Stage(id: "loyal", condition: .event(EventRule(name: "Order Completed", count: Comparison(.greaterOrEqual, 5), within: .days(365)))),
    Stage(id: "active", condition: .event(EventRule(name: "Order Completed", within: .days(60)))),
    Stage(id: "prospect", condition: nil),
])

let cartAbandoner = SegmentDefinition(id: "cart_abandoner", kind: .intent, condition: .all([
    .event(EventRule(name: "Product Viewed", count: Comparison(.greaterOrEqual, 3), within: .days(3),
                     filters: [PropertyFilter(path: "category", test: .equals("running"))])),
    .event(EventRule(name: "Product Added", within: .days(3))),
    .not(.event(EventRule(name: "Order Completed", within: .days(3)))),
    .sinceLast(SinceLastRule(event: "Product Added", bound: .atLeast(.hours(1)))),
]))

let topSpender = SegmentDefinition(id: "top_spender", kind: .value, condition: .aggregate(AggregateRule(
    function: .sum, property: "revenue", event: "Order Completed", within: .days(365), filters: [], comparison: Comparison(.greaterOrEqual, 500))))

let shopRules = RuleSet(segments: [cartAbandoner, topSpender], lifecycles: [lifecycle])

import Synchronization

let sequence = Atomic<Int64>(0)

func event(_ name: String, user: String = "ada", profile: Int64 = 1, at: Timestamp, properties: JSONObject = [:]) -> StoredEvent {
    let seq = sequence.add(1, ordering: .relaxed).newValue
    return StoredEvent(seq: seq, profileId: profile, event: Event(
        messageId: "m\(seq)", source: "web", type: .track, userId: user, name: name, properties: properties,
        timestamp: at, receivedAt: at))
}

func order(_ revenue: Double = 100, at: Timestamp, profile: Int64 = 1) -> StoredEvent {
    event("Order Completed", profile: profile, at: at, properties: ["revenue": .number(revenue)])
}

func moves(_ migrations: [Migration]) -> [String] {
    migrations.map { "\($0.set): \($0.from ?? "-") → \($0.to ?? "-") @\($0.at.iso8601) (\($0.cause.kind))" }
}

func temporaryStore() throws -> SQLiteStore {
    try SQLiteStore(path: NSTemporaryDirectory() + "aerd-engine-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(day0))
}
