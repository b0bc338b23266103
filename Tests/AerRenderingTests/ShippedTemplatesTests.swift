import AerConfig
import AerCore
import AerJSON
@testable import AerRendering
import Testing

/// The templates in `config/templates` compile, and every action of the shipped strategies renders a complete
/// message: no variable the template uses comes out empty.
@Suite struct ShippedTemplatesTests {
    static let config: AerConfiguration = {
        var path = "\(#filePath)"
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        let loaded = ConfigLoader.load(directory: path + "/config", environment: ["AERD_ADMIN_TOKEN": "x", "AERD_WRITE_KEY": "y"])
        return try! loaded.get()
    }()

    static let traits: JSONObject = [
        "first_name": "Maya", "last_name": "Schmidt", "email": "maya@example.com", "phone": "+4915112340000",
        "sms_opt_in": true, "timezone": "Europe/Berlin",
    ]

    /// One action of a shipped strategy, with the context the dispatcher would give it.
    struct Firing: CustomTestStringConvertible {
        var action: Action
        var context: RenderContext
        var testDescription: String { "\(context.strategy.id)/\(context.strategy.trigger) → \(action.template)" }
    }

    /// Every action of every shipped strategy, fired the way its trigger says.
    static var firings: [Firing] {
        var result: [Firing] = []
        let at = Timestamp(iso8601: "2026-03-02T10:00:00Z")!
        for strategy in config.strategies {
            for trigger in strategy.triggers {
                var migration: Migration?
                var segment: RenderContext.Segment?
                var event: RenderContext.Event?
                switch trigger.on {
                case .migration(let set, let from, let to):
                    let lifecycle = config.lifecycle(set)!
                    let target = to?.first ?? lifecycle.stages.last!.id
                    migration = Migration(profileId: 42, set: set, kind: .lifecycle, from: from?.first ?? "prospect", to: target, at: at, cause: .timer)
                    segment = .init(id: set, kind: lifecycle.kind, stage: target)
                case .enter(let id), .exit(let id):
                    let entering = if case .enter = trigger.on { true } else { false }
                    migration = Migration(profileId: 42, set: id, kind: .segment, from: entering ? nil : id, to: entering ? id : nil, at: at, cause: .timer)
                    segment = .init(id: id, kind: config.segment(id)!.kind, description: config.segment(id)!.description)
                case .event(let name, _):
                    event = .init(name: name, properties: ["order_id": "1001", "revenue": 129.9], timestamp: at)
                }
                for action in trigger.actions {
                    let channel = config.channel(action.channel)!
                    let context = RenderContext(
                        customer: .init(id: "maya", profileId: 42), traits: traits, migration: migration, segment: segment,
                        strategy: .init(strategy, trigger: trigger.id), event: event, params: action.params,
                        unsubscribeURL: channel.type == .email ? "https://stride.example/unsubscribe/Tm9uY2U" : nil,
                        predictions: .init(pAlive: 0.82, expectedPurchases: 2.4, expectedValue: 312.5, clv: 1480.25, valueAtStake: 266.45))
                    result.append(Firing(action: action, context: context))
                }
            }
        }
        return result
    }

    static func library() throws -> TemplateLibrary { try TemplateLibrary.compile(config.templates).get() }

    @Test func theShippedTemplatesCompile() throws {
        let library = try Self.library()
        #expect(library.names == Set(Self.config.templates.keys))
    }

    @Test(arguments: firings)
    func everyVariableAShippedActionUsesHasAValue(_ firing: Firing) throws {
        let tree = JSONValue.object(firing.context.templateTree)
        for name in Self.variables(of: firing.action.template) {
            let value = tree.value(atPath: name)
            #expect(value != nil && value != .null && value != "", "\(firing.action.template) uses \(name), which is empty")
        }
    }

    @Test(arguments: firings)
    func everyShippedActionRendersACompleteMessage(_ firing: Firing) throws {
        let message = try Self.library().render(firing.action.template, context: firing.context)
        let source = Self.config.templates[firing.action.template]!
        #expect(!message.text.isEmpty)
        #expect((message.html != nil) == (source.html != nil))
        #expect((message.subject != nil) == (source.subject != nil))
        for part in [message.text, message.html, message.subject].compactMap({ $0 }) {
            #expect(!part.contains("{{") && !part.contains("}}"))
            #expect(!part.contains(" ,") && !part.contains("  ") && !part.contains("()"))
        }
        for (partSource, rendered) in [(source.text, message.text), (source.html, message.html), (source.subject, message.subject)] {
            guard let partSource, let rendered else { continue }
            if partSource.contains("strategy.positioning") { #expect(rendered.contains(firing.context.strategy.positioning)) }
            if partSource.contains("greeting") || partSource.contains("traits.first_name") { #expect(rendered.contains("Maya")) }
            if partSource.contains("footer") { #expect(rendered.contains("https://stride.example/unsubscribe/Tm9uY2U")) }
            for (key, value) in firing.action.params where partSource.contains("params.\(key)") {
                let shown = value.numberValue.map { String(Int($0)) } ?? value.stringValue ?? ""
                #expect(rendered.contains(shown))
            }
        }
    }

    @Test func theRetentionSMSReadsWell() throws {
        let firing = try #require(Self.firings.first { $0.action.template == "retention_sms" })
        let message = try Self.library().render("retention_sms", context: firing.context)
        #expect(message.text == "Hi Maya, we miss you at Stride! Code COMEBACK15 takes 15% off your next pair this week. Reply STOP to opt out.")
    }

    @Test func theEmailsGreetCustomersWithoutAFirstName() throws {
        var firing = try #require(Self.firings.first { $0.action.template == "win_back_email" })
        firing.context.traits["first_name"] = nil
        let message = try Self.library().render("win_back_email", context: firing.context)
        #expect(message.subject == "It has been a while")
        #expect(message.text.hasPrefix("Hi,\n\nit has been a while since your last order."))
        #expect(message.html?.hasPrefix("<p>Hi,</p>\n<p>it has been a while") == true)
    }

    @Test func theWinBackEmailHasEveryPart() throws {
        let firing = try #require(Self.firings.first { $0.action.template == "win_back_email" })
        let message = try Self.library().render("win_back_email", context: firing.context)
        #expect(message.subject == "It has been a while, Maya")
        #expect(message.text == """
            Hi Maya,

            it has been a while since your last order. For runners who left us, we are the shop worth coming back to.

            Come back with the code WINBACK20 for 20% off anything in the shop, valid for 30 days.

            See what is new: https://stride.example/new

            The Stride team

            You get these emails because you shop with Stride. Unsubscribe: https://stride.example/unsubscribe/Tm9uY2U
            """)
        #expect(message.html == """
            <p>Hi Maya,</p>
            <p>it has been a while since your last order. For runners who left us, we are the shop worth coming back to.</p>
            <p>Come back with the code <strong>WINBACK20</strong> for 20% off anything in the shop, valid for 30 days.</p>
            <p><a href="https://stride.example/new">See what is new</a></p>
            <p>The Stride team</p>
            <p><small>You get these emails because you shop with Stride. <a href="https://stride.example/unsubscribe/Tm9uY2U">Unsubscribe</a></small></p>
            """)
    }

    /// The names a template looks up, its partials' included, as paths from the context's root.
    static func variables(of name: String, seen: Set<String> = []) -> [String] {
        guard let source = config.templates[name], !seen.contains(name) else { return [] }
        var names: [String] = []
        for part in [source.text, source.html, source.subject].compactMap({ $0 }) {
            for tag in TemplateScanner.scan(part).tags {
                switch tag.kind {
                case .variable, .unescaped, .section, .invertedSection:
                    names.append(PartChecks.splitTransforms(tag.name).variable)
                case .partial, .parent:
                    names += variables(of: tag.name, seen: seen.union([name]))
                default:
                    break
                }
            }
        }
        return names
    }
}
