public import AerCore
public import AerJSON
public import AerRendering
import AerStore

/// Renders actions with the configured Mustache templates into outbox messages:
/// recipient, subject/text/html, params, the one-click unsubscribe URL and the payload envelope.
public struct TemplateActionRenderer: ActionRendering {
    private let library: TemplateLibrary
    private let channelTypes: [String: String]
    private let segmentKinds: [String: SegmentKind]
    private let unsubscribe: (tokens: UnsubscribeTokens, baseURL: String)?

    /// - Parameters:
    ///   - library: the compiled templates.
    ///   - channelTypes: channel id → type (`email`, `sms`, …), for addresses and unsubscribe links.
    ///   - segmentKinds: segment and lifecycle-set ids → kind, for `segment.kind`.
    ///   - unsubscribe: the `opt_out` secret's token issuer and the public base URL; nil for no links.
    public init(library: TemplateLibrary, channelTypes: [String: String], segmentKinds: [String: SegmentKind],
                unsubscribe: (tokens: UnsubscribeTokens, baseURL: String)?) {
        self.library = library
        self.channelTypes = channelTypes
        self.segmentKinds = segmentKinds
        self.unsubscribe = unsubscribe
    }

    public func message(for action: ActionContext) throws -> JSONObject {
        let profile = action.profile
        let customerId = profile.userIds.first ?? profile.anonymousIds.first ?? String(profile.id)
        let traits = profile.traits
        let channelType = channelTypes[action.action.channel] ?? action.action.channel
        var unsubscribeURL: String?
        if let unsubscribe, channelType == "email" || channelType == "sms" {
            let base = unsubscribe.baseURL.hasSuffix("/") ? String(unsubscribe.baseURL.dropLast()) : unsubscribe.baseURL
            unsubscribeURL = base + "/u/" + unsubscribe.tokens.token(profileId: profile.id, channelType: channelType)
        }
        var segment: RenderContext.Segment?
        if let migration = action.migration {
            segment = RenderContext.Segment(
                id: migration.set, kind: segmentKinds[migration.set] ?? (migration.kind == .lifecycle ? .lifecycle : .behavioural),
                stage: migration.kind == .lifecycle ? migration.to : nil)
        }
        let context = RenderContext(
            customer: .init(id: customerId, profileId: profile.id), traits: traits, migration: action.migration, segment: segment,
            strategy: .init(action.strategy, trigger: action.trigger.id), event: action.event.map(RenderContext.Event.init),
            params: action.action.params, unsubscribeURL: unsubscribeURL, predictions: action.predictions)
        let rendered = try library.render(action.action.template, context: context)
        var recipient: JSONObject = ["customerId": .string(customerId)]
        if let email = context.email { recipient["email"] = .string(email) }
        if let phone = context.phone { recipient["phone"] = .string(phone) }
        let name = [traits["first_name"]?.stringValue, traits["last_name"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        if !name.isEmpty { recipient["name"] = .string(name) } else if let full = traits["name"]?.stringValue { recipient["name"] = .string(full) }
        var message: JSONObject = ["recipient": .object(recipient), "text": .string(rendered.text)]
        if let subject = rendered.subject { message["subject"] = .string(subject) }
        if let html = rendered.html { message["html"] = .string(html) }
        if !action.action.params.isEmpty {
            message["params"] = .object(JSONObject(action.action.params.map { ($0.key, JSONValue.string(Self.text($0.value))) }))
        }
        if let unsubscribeURL { message["unsubscribeURL"] = .string(unsubscribeURL) }
        message["payload"] = .object(Envelope.build(
            id: action.idempotencyKey, timestamp: action.firedAt, channel: action.action.channel, template: action.action.template,
            context: context, message: rendered))
        return message
    }

    /// A parameter as text: strings as they are, other values as JSON.
    private static func text(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.string(value)
    }
}
