public import AerJSON

extension Event {
    /// The event as a Segment-spec message, the form in which it is stored and handed to plugins.
    public var messageJSON: JSONObject {
        var object = JSONObject()
        object["type"] = .string(type.rawValue)
        object["messageId"] = .string(messageId)
        if let userId { object["userId"] = .string(userId) }
        if let anonymousId { object["anonymousId"] = .string(anonymousId) }
        switch type {
        case .track: if let name { object["event"] = .string(name) }
        case .page, .screen: if let name { object["name"] = .string(name) }
        default: break
        }
        if let previousId { object["previousId"] = .string(previousId) }
        if let groupId { object["groupId"] = .string(groupId) }
        if !properties.isEmpty { object["properties"] = .object(properties) }
        if !traits.isEmpty { object["traits"] = .object(traits) }
        if !context.isEmpty { object["context"] = .object(context) }
        if !integrations.isEmpty { object["integrations"] = .object(integrations) }
        object["timestamp"] = .string(timestamp.iso8601)
        object["receivedAt"] = .string(receivedAt.iso8601)
        return object
    }

    /// Reads back an event stored as `messageJSON`; nil if the stored form is damaged.
    public init?(storedMessage object: JSONObject, source: String) {
        guard let typeName = object["type"]?.stringValue, let type = EventType(rawValue: typeName),
            let messageId = object["messageId"]?.stringValue,
            let timestamp = object["timestamp"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }),
            let receivedAt = object["receivedAt"]?.stringValue.flatMap({ Timestamp(iso8601: $0) })
        else { return nil }
        let name: String? =
            switch type {
            case .track: object["event"]?.stringValue
            case .page, .screen: object["name"]?.stringValue
            default: nil
            }
        self.init(
            messageId: messageId, source: source, type: type,
            userId: object["userId"]?.stringValue, anonymousId: object["anonymousId"]?.stringValue,
            name: name, previousId: object["previousId"]?.stringValue, groupId: object["groupId"]?.stringValue,
            properties: object["properties"]?.objectValue ?? [:], traits: object["traits"]?.objectValue ?? [:],
            context: object["context"]?.objectValue ?? [:], integrations: object["integrations"]?.objectValue ?? [:],
            timestamp: timestamp, receivedAt: receivedAt)
    }
}
