import AerConfig
import AerCore
import Testing

/// The example configuration in `config/` stays complete and valid.
@Suite struct ShippedConfigTests {
    static let configDirectory: String = {
        var path = "\(#filePath)"
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/config"
    }()

    static let environment = ["AERD_ADMIN_TOKEN": "admin-secret", "AERD_WRITE_KEY": "write-secret"]

    @Test func shippedConfigLoadsWithTheTwoVariablesSet() throws {
        let config = try ConfigLoader.load(directory: Self.configDirectory, environment: Self.environment).get()
        #expect(config.summary == "4 segments, 1 lifecycle set (7 stages), 5 strategies, 3 channels, 9 templates")
    }
}

extension ShippedConfigTests {
    func config() throws -> AerConfiguration {
        try ConfigLoader.load(directory: Self.configDirectory, environment: Self.environment).get()
    }

    @Test func shippedConfigNeedsOnlyTheAdminTokenAndWriteKey() {
        guard case .failure(let errors) = ConfigLoader.load(directory: Self.configDirectory, environment: [:]) else {
            Issue.record("expected errors without the variables")
            return
        }
        #expect(errors.diagnostics.map(\.message) == [
            "cannot resolve 'server.admin_token': environment variable AERD_ADMIN_TOKEN is not set",
            "cannot resolve 'ingest.write_keys[0].key': environment variable AERD_WRITE_KEY is not set",
        ])
    }

    @Test func shippedServerAndDefaults() throws {
        let config = try config()
        #expect(config.server == ServerSettings(listen: ListenAddress(host: "127.0.0.1", port: 8088), maxBodyBytes: 2_097_152, adminToken: "admin-secret"))
        #expect(config.stateDirectory == "state")
        #expect(config.storePath() == "state/aerd.sqlite")
        #expect(config.ingest.writeKeys == [WriteKey(source: "web", key: "write-secret")])
        #expect(config.defaults.timezone == "Europe/Berlin")
        #expect(config.defaults.quietHours == QuietHours(from: TimeOfDay(minutes: 21 * 60), to: TimeOfDay(minutes: 8 * 60)))
        #expect(config.channels.map(\.id) == ["email", "sms", "webhook"])
        #expect(config.channels.map(\.type) == [.email, .sms, .webhook])
        #expect(config.channel("email")?.settings["from"] == "Stride Sneakers <hello@stride.example>")
    }

    @Test func shippedLifecycleOrdersStagesSoRecentBuyersAreActiveAndLapsedOnesAtRiskThenChurned() throws {
        let lifecycle = try #require(try config().lifecycle("lifecycle"))
        #expect(lifecycle.stages.map(\.id) == ["lost", "new", "churned", "at_risk", "loyal", "active", "prospect"])
        #expect(lifecycle.fallback == "prospect")
        let ordered = Condition.event(EventRule(name: "Order Completed"))
        #expect(lifecycle.stages[1].condition == .all([.firstSeen(.within(.days(30))), .not(ordered)]))
        #expect(lifecycle.stages[2].condition == .all([ordered, .not(.event(EventRule(name: "Order Completed", within: .days(180))))]))
    }

    @Test func shippedCartAbandonerAndTopSpenders() throws {
        let config = try config()
        #expect(config.segment("cart_abandoner")?.condition == .all([
            .event(EventRule(name: "Product Viewed", count: Comparison(.greaterOrEqual, 3), within: .days(3),
                             filters: [PropertyFilter(path: "category", test: .equals("running"))])),
            .event(EventRule(name: "Product Added", within: .days(3))),
            .not(.event(EventRule(name: "Order Completed", within: .days(3)))),
            .sinceLast(SinceLastRule(event: "Product Added", bound: .atLeast(.hours(1)))),
        ]))
        #expect(config.segment("top_spenders")?.condition == .aggregate(AggregateRule(
            function: .sum, property: "revenue", event: "Order Completed", within: .days(365), filters: [],
            comparison: Comparison(.greaterOrEqual, 500))))
    }

    @Test func shippedStrategiesCoverAcquireExpandAndRetain() throws {
        let config = try config()
        #expect(Set(config.strategies.map(\.aer)) == [.acquire, .expand, .retain])
        #expect(config.strategy("retain_drifting")?.triggers.first?.on
            == .migration(set: "lifecycle", from: ["active", "loyal"], to: ["at_risk"]))
        #expect(config.strategy("win_back")?.triggers.first?.on == .migration(set: "lifecycle", from: ["at_risk"], to: ["churned"]))
        #expect(config.strategy("convert_cart_abandoners")?.triggers.first?.on == .enter(segment: "cart_abandoner"))
        for strategy in config.strategies {
            for action in strategy.triggers.flatMap(\.actions) where config.channel(action.channel)?.type == .email {
                let template = try #require(config.templates[action.template])
                #expect(template.html != nil && template.subject != nil, "\(action.template) needs html and subject parts")
            }
        }
    }
}
