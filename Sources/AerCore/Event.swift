public import AerJSON

/// The Segment-spec message types aerd accepts.
public enum EventType: String, Sendable, Hashable, CaseIterable, Codable {
    case identify, track, page, screen, group, alias
}

/// One customer event, normalised from a Segment-spec message or an import row.
///
/// `timestamp` is event time (what windows use), already corrected for client clock skew;
/// `receivedAt` is when aerd accepted it.
public struct Event: Sendable, Hashable {
    /// Sender-chosen id; unique per `source`, re-sends with the same id are dropped.
    public var messageId: String
    /// The source the event came through: a write key's name, or `import:<kind>`.
    public var source: String
    public var type: EventType
    public var userId: String?
    public var anonymousId: String?
    /// `track`: the event name; `page`/`screen`: the page or screen name.
    public var name: String?
    /// `alias`: the id being merged into `userId`.
    public var previousId: String?
    /// `group`: the account id.
    public var groupId: String?
    /// `track`/`page`/`screen` properties.
    public var properties: JSONObject
    /// `identify`/`group` traits.
    public var traits: JSONObject
    /// Segment `context` (ip, userAgent, library, …), stored as sent.
    public var context: JSONObject
    /// Segment `integrations`, stored as sent.
    public var integrations: JSONObject
    /// Event time: when it happened.
    public var timestamp: Timestamp
    /// When aerd accepted it.
    public var receivedAt: Timestamp

    public init(
        messageId: String, source: String, type: EventType, userId: String? = nil, anonymousId: String? = nil,
        name: String? = nil, previousId: String? = nil, groupId: String? = nil, properties: JSONObject = [:],
        traits: JSONObject = [:], context: JSONObject = [:], integrations: JSONObject = [:],
        timestamp: Timestamp, receivedAt: Timestamp
    ) {
        self.messageId = messageId
        self.source = source
        self.type = type
        self.userId = userId
        self.anonymousId = anonymousId
        self.name = name
        self.previousId = previousId
        self.groupId = groupId
        self.properties = properties
        self.traits = traits
        self.context = context
        self.integrations = integrations
        self.timestamp = timestamp
        self.receivedAt = receivedAt
    }

    /// The name segment rules match on: the `track` event name; `page`/`screen` events match as
    /// `Page Viewed` / `Screen Viewed`; other types have none.
    public var ruleName: String? {
        switch type {
        case .track: name
        case .page: "Page Viewed"
        case .screen: "Screen Viewed"
        default: nil
        }
    }

    /// The amount of a purchase: an `Order Completed` track whose `revenue` property is a number, else its
    /// `total`; nil for any other event. The store's purchase query follows the same rule.
    public var purchaseAmount: Double? {
        guard type == .track, name == WellKnownEvent.orderCompleted else { return nil }
        if case .number(let revenue)? = properties["revenue"] { return revenue }
        if case .number(let total)? = properties["total"] { return total }
        return nil
    }
}

/// Well-known event names aerd itself produces or understands.
public enum WellKnownEvent {
    /// A purchase: imported transactions become this event, with `revenue` in properties.
    public static let orderCompleted = "Order Completed"
    /// An imported lost-customer record.
    public static let customerLost = "Customer Lost"
}
