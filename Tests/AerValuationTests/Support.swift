import AerAnalytics
import AerCore
import AerJSON
import AerStore
import Foundation

let observationStart = Timestamp(iso8601: "2025-01-01T00:00:00Z")!
let fitTime = Timestamp(iso8601: "2026-01-01T12:00:00Z")!

/// A fresh store in a temporary directory.
func temporaryStore() throws -> SQLiteStore {
    try SQLiteStore(path: NSTemporaryDirectory() + "aerd-valuation-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(fitTime))
}

/// A purchase as the shop sends it.
func order(_ user: String, at: Timestamp, revenue: Double) -> Event {
    Event(
        messageId: UUID().uuidString, source: "web", type: .track, userId: user, name: "Order Completed",
        properties: ["revenue": .number(revenue)], timestamp: at, receivedAt: at)
}

/// A deterministic shop of `customers` BG/NBD customers over 2025: each buys at a Poisson rate and drops out
/// after each purchase with a probability of their own, spending around an average of their own (a fixed linear congruential generator, so every run is
/// the same).
func syntheticOrders(customers: Int) -> [Event] {
    var state: UInt64 = 42
    func uniform() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    var events: [Event] = []
    for customer in 0..<customers {
        let rate = 0.01 + 0.09 * uniform()
        let dropout = 0.6 * uniform() * uniform()
        let meanSpend = 20 + 200 * uniform() * uniform()
        var day = 300 * uniform()
        while day < 365 {
            events.append(order("c\(customer)", at: observationStart + AerDuration(millis: Int64(day * 86_400_000)), revenue: (meanSpend * (0.5 + uniform())).rounded()))
            if uniform() < dropout { break }
            day += -log(1 - uniform()) / rate
        }
    }
    return events
}

/// The same orders as transactions for the models, as `aerd clv fit --transactions` reads them.
func transactions(_ events: [Event]) -> [Transaction] {
    events.map { Transaction(customer: $0.userId!, secondsSinceEpoch: Double($0.timestamp.millis) / 1000, amount: $0.properties["revenue"]!.numberValue!) }
}

/// Whether two numbers agree to four significant figures.
func agree(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 5e-5 * max(abs(a), abs(b))
}
