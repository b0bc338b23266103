import AerCore
import AerEngine
import AerStore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("aerd report clv")
struct CLVReportTests {
    /// A state directory whose engine has run over a year of orders: regulars who keep ordering, and
    /// customers who ordered once and drifted to at_risk and churned.
    func history() async throws -> String {
        let state = try temporaryDirectory()
        let start = Timestamp(iso8601: "2025-01-01T00:00:00Z")!
        let store = try SQLiteStore(path: state + "/aerd.sqlite", clock: ManualWallClock(start))
        var events: [Event] = []
        for customer in 0..<30 {
            let regular = customer % 3 == 0
            let orders = regular ? 12 : 1
            for order in 0..<orders {
                let at = start + .days(Int64(order * 30 + customer))
                events.append(Event(messageId: "o\(customer)-\(order)", source: "web", type: .track, userId: "c\(customer)", name: "Order Completed",
                                    properties: ["revenue": .number(regular ? 80 : 50)], timestamp: at, receivedAt: at))
            }
        }
        _ = try await store.append(events.sorted { $0.timestamp < $1.timestamp })
        let lifecycle = LifecycleSet(id: "lifecycle", stages: [
            Stage(id: "churned", condition: .all([.event(EventRule(name: "Order Completed")), .event(EventRule(name: "Order Completed", count: Comparison(.equal, 0), within: .days(180)))])),
            Stage(id: "at_risk", condition: .all([.event(EventRule(name: "Order Completed")), .event(EventRule(name: "Order Completed", count: Comparison(.equal, 0), within: .days(60)))])),
            Stage(id: "loyal", condition: .event(EventRule(name: "Order Completed", count: Comparison(.greaterOrEqual, 5), within: .days(365)))),
            Stage(id: "active", condition: .event(EventRule(name: "Order Completed", within: .days(60)))),
            Stage(id: "prospect", condition: nil),
        ])
        var runner = SegmentationRunner(store: store, rules: RuleSet(segments: [], lifecycles: [lifecycle]))
        _ = try await runner.start(now: start)
        _ = try await runner.simulate(until: start + .days(400))
        try await store.close()
        // A configuration whose lifecycle set matches the one the history was recorded with.
        let config = try exampleConfig(webhookURL: "http://127.0.0.1:9/unused")
        try """
            lifecycles:
              - id: lifecycle
                stages:
                  - {id: churned, when: {all: [{event: Order Completed}, {event: Order Completed, count: "= 0", within: 180d}]}}
                  - {id: at_risk, when: {all: [{event: Order Completed}, {event: Order Completed, count: "= 0", within: 60d}]}}
                  - {id: loyal, when: {event: Order Completed, count: ">= 5", within: 365d}}
                  - {id: active, when: {event: Order Completed, within: 60d}}
                fallback: prospect
            """.write(toFile: config + "/segments/lifecycle.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: config + "/strategies")
        try FileManager.default.createDirectory(atPath: config + "/strategies", withIntermediateDirectories: true)
        return state + "|" + config
    }

    @Test("stage values rank loyal above at_risk and churned, and drifting migrations put value at stake")
    func values() async throws {
        let parts = try await history().split(separator: "|").map(String.init)
        let outcome = try aerd(["report", "clv", "--config", parts[1], "--state", parts[0], "--since", "2025-01-01T00:00:00Z", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        let values = Dictionary(uniqueKeysWithValues: ((report?["stages"] as? [[String: Any]]) ?? []).map { ($0["stage"] as! String, $0["value"] as! Double) })
        #expect(values["loyal"]! > values["active"]!)
        #expect(values["active"]! > values["at_risk"]!)
        #expect(values["churned"]! <= values["at_risk"]!)
        let moves = (report?["migrations"] as? [[String: Any]]) ?? []
        let drift = moves.first { $0["from"] as? String == "active" && $0["to"] as? String == "at_risk" }
        #expect((drift?["valueAtStake"] as? Double ?? 0) < 0)
        let total = try #require(report?["totalValueMigrated"] as? Double)
        #expect(total.isFinite)
        let table = try aerd(["report", "clv", "--config", parts[1], "--state", parts[0], "--since", "2025-01-01T00:00:00Z"])
        #expect(table.stdout.contains("total value migrated:"))
        let chart = try aerd(["report", "clv", "--config", parts[1], "--state", parts[0], "--since", "2025-01-01T00:00:00Z", "--format", "svg"])
        #expect(chart.status == 0)
        #expect(chart.stdout.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(chart.stdout.contains("active → at_risk"))
        // Well-formed XML: a browser opens it directly.
        #expect(XMLParser(data: Data(chart.stdout.utf8)).parse())
    }
}
