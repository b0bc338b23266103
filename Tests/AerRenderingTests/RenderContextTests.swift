import AerCore
import AerJSON
@testable import AerRendering
import Testing

@Suite struct RenderContextTests {
    /// A context with every optional part present.
    static let full: RenderContext = {
        var context = sampleContext(traits: ["first_name": "Maya", "email": "maya@example.com", "phone": "+4915112340000"])
        context.segment?.description = "Ordered before, but not lately."
        context.event = .init(name: "Order Completed", properties: ["revenue": 10], timestamp: Timestamp(millis: 0))
        context.predictions = .init(pAlive: 0.5, expectedPurchases: 1, expectedValue: 2, clv: 3, valueAtStake: 4)
        return context
    }()

    /// Every path of a JSON tree down to a leaf or an object with data-defined members.
    static func paths(_ object: JSONObject, prefix: String = "") -> [String] {
        var result: [String] = []
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if case .object(let members) = value, !["traits", "params", "properties"].contains(key) {
                result += paths(members, prefix: path)
            } else {
                result.append(path)
            }
        }
        return result.sorted()
    }

    @Test func theCheckedNamesAreExactlyTheNamesAFullContextHas() {
        #expect(Self.paths(Self.full.templateTree) == ContextSchema.root.paths())
    }

    @Test func theTreeUsesSnakeCaseNamesAndISOTimes() {
        let tree = JSONValue.object(Self.full.templateTree)
        #expect(tree.value(atPath: "customer.profile_id") == 42)
        #expect(tree.value(atPath: "customer.email") == "maya@example.com")
        #expect(tree.value(atPath: "unsubscribe_url") == "https://stride.example/u/abc?c=email&t=1")
        #expect(tree.value(atPath: "migration.at") == "2026-03-01T08:00:00.000Z")
        #expect(tree.value(atPath: "segment.stage") == "at_risk")
        #expect(tree.value(atPath: "strategy.trigger") == "drifting")
        #expect(tree.value(atPath: "event.properties.revenue") == 10)
    }

    @Test func predictionsAreRoundedToTwoDecimalsAndAlsoAtTheTop() {
        var context = sampleContext()
        context.predictions = .init(pAlive: 0.23456, clv: 1480.255_1)
        let tree = JSONValue.object(context.templateTree)
        #expect(tree.value(atPath: "p_alive") == 0.23)
        #expect(tree.value(atPath: "predictions.clv") == 1480.26)
        #expect(tree.value(atPath: "value_at_stake") == nil)
    }

    @Test func absentPartsAreLeftOut() {
        let context = RenderContext(customer: .init(id: "c", profileId: 1), strategy: .init(id: "s", aer: .retain, positioning: "p", trigger: "t"))
        #expect(context.templateTree.keys == ["traits", "customer", "strategy", "params"])
    }

    @Test func aLoggedEventIsKnownByItsRuleName() {
        let page = Event(messageId: "m", source: "web", type: .page, name: "Pricing", properties: ["path": "/pricing"],
                         timestamp: Timestamp(millis: 5), receivedAt: Timestamp(millis: 6))
        #expect(RenderContext.Event(page) == .init(name: "Page Viewed", properties: ["path": "/pricing"], timestamp: Timestamp(millis: 5)))
    }
}
