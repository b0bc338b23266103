import AerConfig
import AerCore
import AerJSON
import Testing

/// Every construct of the condition language decodes to the expected `Condition`.
@Suite struct ConditionDecodingTests {
    func decode(_ yaml: String) -> Condition? {
        Fixture(["segments/s.yaml": segmentFile(when: yaml)]).config()?.segments.first?.condition
    }

    @Test func eventWithDefaultsCountsAtLeastOnceOverAllHistory() {
        #expect(decode("{event: Order Completed}") == .event(EventRule(name: "Order Completed")))
    }

    @Test func eventWithCountWindowAndFilters() {
        let expected = EventRule(
            name: "Product Viewed", count: Comparison(.greaterOrEqual, 3), within: .days(3),
            filters: [PropertyFilter(path: "category", test: .equals("running"))])
        #expect(decode(#"{event: Product Viewed, count: ">= 3", within: 3d, where: {category: running}}"#) == .event(expected))
    }

    @Test(arguments: [
        ("= 0", Comparison(.equal, 0)), ("== 0", Comparison(.equal, 0)), ("!= 1", Comparison(.notEqual, 1)),
        ("< 2", Comparison(.less, 2)), ("<= 2", Comparison(.lessOrEqual, 2)), ("> 0", Comparison(.greater, 0)),
    ])
    func eventCountComparisons(text: String, comparison: Comparison) {
        #expect(decode(#"{event: Login, count: "\#(text)"}"#) == .event(EventRule(name: "Login", count: comparison)))
    }

    @Test func whereFiltersCoverEveryOperatorAndDottedPaths() {
        let yaml = """

              event: Order Completed
              where:
                currency: EUR
                total: 99.5
                gift: false
                coupon: null
                status: {equals: paid}
                channel: {not_equals: pos}
                category: {in: [running, trail]}
                discount: {exists: true}
                revenue: {">": 10}
                quantity: {">=": 2}
                weight: {"<": 1.5}
                items: {"<=": 4}
                name: {contains: Pegasus}
                address.city: Berlin
        """
        let filters: [PropertyFilter] = [
            PropertyFilter(path: "currency", test: .equals("EUR")),
            PropertyFilter(path: "total", test: .equals(99.5)),
            PropertyFilter(path: "gift", test: .equals(false)),
            PropertyFilter(path: "coupon", test: .equals(.null)),
            PropertyFilter(path: "status", test: .equals("paid")),
            PropertyFilter(path: "channel", test: .notEquals("pos")),
            PropertyFilter(path: "category", test: .isIn(["running", "trail"])),
            PropertyFilter(path: "discount", test: .exists(true)),
            PropertyFilter(path: "revenue", test: .compare(Comparison(.greater, 10))),
            PropertyFilter(path: "quantity", test: .compare(Comparison(.greaterOrEqual, 2))),
            PropertyFilter(path: "weight", test: .compare(Comparison(.less, 1.5))),
            PropertyFilter(path: "items", test: .compare(Comparison(.lessOrEqual, 4))),
            PropertyFilter(path: "name", test: .contains("Pegasus")),
            PropertyFilter(path: "address.city", test: .equals("Berlin")),
        ]
        #expect(decode(yaml) == .event(EventRule(name: "Order Completed", filters: filters)))
    }

    @Test func yamlOnePointOneBooleansAndSexagesimalNumbersStayStrings() {
        let filters: [PropertyFilter] = [
            PropertyFilter(path: "country", test: .equals("NO")),
            PropertyFilter(path: "answer", test: .equals("yes")),
            PropertyFilter(path: "slot", test: .equals("21:00")),
            PropertyFilter(path: "code", test: .equals("0012")),
        ]
        #expect(decode(#"{event: Signed Up, where: {country: NO, answer: yes, slot: 21:00, code: "0012"}}"#)
            == .event(EventRule(name: "Signed Up", filters: filters)))
    }

    @Test(arguments: AggregateFunction.allCases)
    func aggregates(function: AggregateFunction) {
        let expected = AggregateRule(
            function: function, property: "revenue", event: "Order Completed", within: .days(365),
            filters: [PropertyFilter(path: "currency", test: .equals("EUR"))], comparison: Comparison(.greaterOrEqual, 500))
        #expect(decode(#"{\#(function.rawValue): revenue, event: Order Completed, within: 365d, where: {currency: EUR}, ">=": 500}"#)
            == .aggregate(expected))
    }

    @Test(arguments: [("=", ComparisonOperator.equal), ("==", .equal), ("!=", .notEqual), (">", .greater), (">=", .greaterOrEqual),
                      ("<", .less), ("<=", .lessOrEqual)])
    func aggregateComparisonKeys(key: String, op: ComparisonOperator) {
        let expected = AggregateRule(function: .avg, property: "total", event: "Order Completed", within: nil, filters: [],
                                     comparison: Comparison(op, 80))
        #expect(decode(#"{avg: total, event: Order Completed, "\#(key)": 80}"#) == .aggregate(expected))
    }

    @Test func traitsTakeEveryFilterOperatorAndDateTests() {
        let cases: [(String, ValueTest)] = [
            ("equals: true", .equals(true)), ("not_equals: pro", .notEquals("pro")), ("in: [de, at]", .isIn(["de", "at"])),
            ("exists: false", .exists(false)), (#"">": 3"#, .compare(Comparison(.greater, 3))),
            (#"">=": 3"#, .compare(Comparison(.greaterOrEqual, 3))), (#""<": 3"#, .compare(Comparison(.less, 3))),
            (#""<=": 3"#, .compare(Comparison(.lessOrEqual, 3))), ("contains: vip", .contains("vip")),
            ("within: 30d", .within(.days(30))), ("older_than: 8w", .olderThan(.weeks(8))),
        ]
        for (yaml, test) in cases {
            #expect(decode("{trait: plan, \(yaml)}") == .trait(TraitRule(trait: "plan", test: test)), "\(yaml)")
        }
    }

    @Test func firstSeenAndLastSeen() {
        #expect(decode("{first_seen: {within: 30d}}") == .firstSeen(.within(.days(30))))
        #expect(decode("{first_seen: {older_than: 30d}}") == .firstSeen(.olderThan(.days(30))))
        #expect(decode("{last_seen: {within: 15m}}") == .lastSeen(.within(.minutes(15))))
        #expect(decode("{last_seen: {older_than: 2h}}") == .lastSeen(.olderThan(.hours(2))))
    }

    @Test func sinceLast() {
        #expect(decode("{since_last: Product Added, at_least: 1h}") == .sinceLast(SinceLastRule(event: "Product Added", bound: .atLeast(.hours(1)))))
        #expect(decode("{since_last: Login, at_most: 90s}") == .sinceLast(SinceLastRule(event: "Login", bound: .atMost(.seconds(90)))))
    }

    @Test(arguments: PredictedMetric.allCases)
    func predicted(metric: PredictedMetric) {
        #expect(decode(#"{predicted: \#(metric.rawValue), "<": 0.3}"#) == .predicted(PredictedRule(metric: metric, comparison: Comparison(.less, 0.3))))
    }

    @Test func allAnyAndNotNest() {
        let yaml = """

              all:
                - {event: Product Added, within: 3d}
                - not: {event: Order Completed, within: 3d}
                - any:
                    - {trait: vip, equals: true}
                    - {last_seen: {within: 1d}}
        """
        let expected = Condition.all([
            .event(EventRule(name: "Product Added", within: .days(3))),
            .not(.event(EventRule(name: "Order Completed", within: .days(3)))),
            .any([.trait(TraitRule(trait: "vip", test: .equals(true))), .lastSeen(.within(.days(1)))]),
        ])
        #expect(decode(yaml) == expected)
    }
}
