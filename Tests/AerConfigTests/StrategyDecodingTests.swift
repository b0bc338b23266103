import AerConfig
import AerCore
import AerJSON
import Testing

/// Strategies, policies, triggers and actions decode to the AerCore values.
@Suite struct StrategyDecodingTests {
    static let segments = """
        segments:
          - {id: cart_abandoner, kind: intent, when: {event: Product Added}}
        lifecycles:
          - id: lifecycle
            stages:
              - {id: active, when: {event: Order Completed, within: 60d}}
              - {id: at_risk, when: {event: Order Completed}}
            fallback: prospect

        """

    func strategies(_ yaml: String) -> [Strategy]? {
        Fixture(["segments/s.yaml": Self.segments, "strategies/s.yaml": yaml, "templates/t.text.mustache": "hi"]).config()?.strategies
    }

    @Test func aFullStrategyDecodes() {
        let yaml = """
            strategies:
              - id: retain_drifting
                aer: retain
                positioning: "For regulars drifting away, we are the shop that remembers them."
                priority: 10
                policy:
                  holdout: 10%
                  frequency_cap: {max: 2, per: 7d, channel: sms}
                  quiet_hours: {from: "21:00", to: "08:00", timezone_trait: tz}
                  goal: {event: Order Completed, within: 14d}
                triggers:
                  - id: drifting
                    on: {migration: {set: lifecycle, from: [active, prospect], to: at_risk}}
                    if: {trait: sms_opt_in, equals: true}
                    wait: 2h
                    recheck: false
                    reentry: 30d
                    on_backfill: true
                    actions:
                      - {channel: sms, template: t, params: {coupon: WELCOME10, percent: 10}}

            """
        let expected = Strategy(
            id: "retain_drifting", aer: .retain, positioning: "For regulars drifting away, we are the shop that remembers them.",
            priority: 10,
            policy: Policy(
                holdout: 0.1, frequencyCap: FrequencyCap(max: 2, per: .days(7), channel: "sms"),
                quietHours: QuietHours(from: TimeOfDay(minutes: 21 * 60), to: TimeOfDay(minutes: 8 * 60), timezoneTrait: "tz"),
                goal: Goal(event: "Order Completed", within: .days(14))),
            triggers: [
                Trigger(
                    id: "drifting", on: .migration(set: "lifecycle", from: ["active", "prospect"], to: ["at_risk"]),
                    condition: .trait(TraitRule(trait: "sms_opt_in", test: .equals(true))), wait: .hours(2), recheck: false,
                    reentry: .cooldown(.days(30)), onBackfill: true,
                    actions: [Action(channel: "sms", template: "t", params: ["coupon": "WELCOME10", "percent": 10])]),
            ])
        #expect(strategies(yaml) == [expected])
    }

    @Test func leftOutKeysTakeTheirDefaults() {
        let yaml = """
            strategies:
              - id: x
                aer: acquire
                positioning: p
                triggers:
                  - on: {migration: {to: active}}
                    actions: [{channel: email, template: t}]
                  - on: {migration: {from: "*", to: "*"}}
                    actions: [{channel: email, template: t}]

            """
        let action = Action(channel: "email", template: "t")
        #expect(strategies(yaml) == [Strategy(
            id: "x", aer: .acquire, positioning: "p", priority: 0, policy: Policy(),
            triggers: [
                Trigger(id: "t0", on: .migration(set: "lifecycle", from: nil, to: ["active"]), condition: nil, wait: nil, recheck: true,
                        reentry: .oncePerMigration, onBackfill: false, actions: [action]),
                Trigger(id: "t1", on: .migration(set: "lifecycle", from: nil, to: nil), actions: [action]),
            ])])
    }

    @Test func enterExitAndEventTriggers() {
        let yaml = """
            strategies:
              - id: x
                aer: expand
                positioning: p
                triggers:
                  - {on: {enter: cart_abandoner}, reentry: once, actions: [{channel: email, template: t}]}
                  - {on: {exit: cart_abandoner}, reentry: once_per_migration, actions: [{channel: email, template: t}]}
                  - {on: {event: Order Completed, where: {total: {">": 100}}}, actions: [{channel: email, template: t}]}

            """
        let action = Action(channel: "email", template: "t")
        #expect(strategies(yaml)?.first?.triggers == [
            Trigger(id: "t0", on: .enter(segment: "cart_abandoner"), reentry: .once, actions: [action]),
            Trigger(id: "t1", on: .exit(segment: "cart_abandoner"), reentry: .oncePerMigration, actions: [action]),
            Trigger(id: "t2", on: .event(name: "Order Completed", filters: [PropertyFilter(path: "total", test: .compare(Comparison(.greater, 100)))]),
                    actions: [action]),
        ])
    }

    @Test(arguments: [("10%", 0.1), ("0%", 0.0), ("100%", 1.0), ("12.5%", 0.125), ("0.25", 0.25), ("1", 1.0)])
    func holdouts(text: String, fraction: Double) {
        let yaml = "strategies:\n  - {id: x, aer: retain, positioning: p, policy: {holdout: \(text)}, triggers: [{on: {event: A}, actions: [{channel: sms, template: t}]}]}\n"
        #expect(strategies(yaml)?.first?.policy.holdout == fraction)
    }
}
