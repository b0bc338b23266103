public import AerCore
public import AerJSON

/// The payload envelope: one JSON document per message, the webhook channel's request body and the exec
/// channel's stdin. Schema and example in docs/plugins.md (Payload envelope).
///
/// Every member is always present, `null` when it has no value, and members come in a fixed order, so the
/// same message always serialises to the same bytes (which the webhook signature covers). Keys are camelCase,
/// like the Segment messages aerd ingests and its admin API; traits, properties and params keep the keys
/// they were written with.
public enum Envelope {
    /// The `type` of every envelope.
    public static let type = "aerd.action"

    /// Builds the envelope of one message.
    /// - Parameters:
    ///   - id: The message's idempotency key, the same on every retry (`webhook-id`, `AERD_IDEMPOTENCY_KEY`).
    ///   - timestamp: When the action was decided (the trigger fired): the same on every retry.
    ///   - channel: The configured channel id.
    ///   - template: The template the message was rendered from.
    ///   - context: The action's context.
    ///   - message: The rendered message.
    /// - Returns: The envelope, to write with `JSONWriter`.
    public static func build(id: String, timestamp: Timestamp, channel: String, template: String, context: RenderContext,
                             message: RenderedMessage) -> JSONObject {
        var envelope: JSONObject = [:]
        envelope["id"] = .string(id)
        envelope["type"] = .string(type)
        envelope["timestamp"] = .string(timestamp.iso8601)
        envelope["channel"] = .string(channel)
        envelope["customer"] = [
            "id": .string(context.customer.id),
            "profileId": .number(Double(context.customer.profileId)),
            "email": optional(context.email),
            "phone": optional(context.phone),
            "traits": .object(context.traits),
        ]
        envelope["strategy"] = [
            "id": .string(context.strategy.id),
            "aer": .string(context.strategy.aer.rawValue),
            "positioning": .string(context.strategy.positioning),
            "trigger": .string(context.strategy.trigger),
        ]
        envelope["segment"] = context.segment.map { segment in
            [
                "id": .string(segment.id),
                "kind": .string(segment.kind.rawValue),
                "stage": optional(segment.stage),
                "description": optional(segment.description),
            ]
        } ?? .null
        envelope["migration"] = context.migration.map { migration in
            [
                "set": .string(migration.set),
                "kind": .string(migration.kind.rawValue),
                "from": optional(migration.from),
                "to": optional(migration.to),
                "at": .string(migration.at.iso8601),
                "cause": .string(migration.cause.kind),
            ]
        } ?? .null
        envelope["event"] = context.event.map { event in
            [
                "name": .string(event.name),
                "properties": .object(event.properties),
                "timestamp": .string(event.timestamp.iso8601),
            ]
        } ?? .null
        envelope["message"] = [
            "template": .string(template),
            "subject": optional(message.subject),
            "text": .string(message.text),
            "html": optional(message.html),
        ]
        envelope["params"] = .object(context.params)
        envelope["unsubscribeUrl"] = optional(context.unsubscribeURL)
        envelope["predictions"] = context.predictions.map { predictions in
            [
                "pAlive": number(predictions.pAlive),
                "expectedPurchases": number(predictions.expectedPurchases),
                "expectedValue": number(predictions.expectedValue),
                "clv": number(predictions.clv),
                "valueAtStake": number(predictions.valueAtStake),
            ]
        } ?? .null
        return envelope
    }

    /// The envelope as compact UTF-8 JSON, members in the order ``build(id:timestamp:channel:template:context:message:)`` gives.
    /// - Parameters:
    ///   - id: The message's idempotency key.
    ///   - timestamp: When the action was decided.
    ///   - channel: The configured channel id.
    ///   - template: The template the message was rendered from.
    ///   - context: The action's context.
    ///   - message: The rendered message.
    /// - Returns: The JSON bytes: the webhook body, the exec program's stdin.
    public static func encode(id: String, timestamp: Timestamp, channel: String, template: String, context: RenderContext,
                              message: RenderedMessage) -> [UInt8] {
        JSONWriter.bytes(.object(build(id: id, timestamp: timestamp, channel: channel, template: template, context: context, message: message)))
    }

    private static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    private static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }
}
