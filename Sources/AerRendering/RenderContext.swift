public import AerCore
public import AerJSON

/// Everything one action knows about why it is being sent: the values templates can use and the payload
/// envelope carries.
///
/// Templates see it as a Mustache context tree with snake_case names (`traits.first_name`, `customer.id`,
/// `migration.from`, `strategy.positioning`, `params.coupon`, `unsubscribe_url`, …); ``mustacheTree`` builds
/// that tree, and docs/config.md (Templates) lists every name. A name with no value renders as nothing.
public struct RenderContext: Sendable, Hashable {
    /// The customer a message is for.
    public struct Customer: Sendable, Hashable {
        /// The customer's id as the shop knows it: the userId, else the anonymousId.
        public var id: String
        /// aerd's profile id.
        public var profileId: Int64
        /// The email address; nil means the `email` trait, when it is a string.
        public var email: String?
        /// The phone number (E.164); nil means the `phone` trait, when it is a string.
        public var phone: String?

        /// A customer.
        /// - Parameters:
        ///   - id: The userId, else the anonymousId.
        ///   - profileId: aerd's profile id.
        ///   - email: The email address, when it is known other than as the `email` trait.
        ///   - phone: The phone number, when it is known other than as the `phone` trait.
        public init(id: String, profileId: Int64, email: String? = nil, phone: String? = nil) {
            self.id = id
            self.profileId = profileId
            self.email = email
            self.phone = phone
        }
    }

    /// The segment or lifecycle set a trigger is about (`enter`, `exit` and `migration` triggers).
    public struct Segment: Sendable, Hashable {
        /// The segment or lifecycle set id, e.g. `cart_abandoner` or `lifecycle`.
        public var id: String
        /// Its kind: behavioural, lifecycle, value or intent.
        public var kind: SegmentKind
        /// For a lifecycle set, the stage the customer is in now; nil for a plain segment.
        public var stage: String?
        /// The segment's (or stage's) description from the configuration, if it has one.
        public var description: String?

        /// A segment or lifecycle set.
        /// - Parameters:
        ///   - id: The segment or lifecycle set id.
        ///   - kind: Its kind.
        ///   - stage: For a lifecycle set, the customer's stage now.
        ///   - description: The configured description.
        public init(id: String, kind: SegmentKind, stage: String? = nil, description: String? = nil) {
            self.id = id
            self.kind = kind
            self.stage = stage
            self.description = description
        }
    }

    /// The strategy and trigger that fired.
    public struct Strategy: Sendable, Hashable {
        /// The strategy id.
        public var id: String
        /// acquire, expand or retain.
        public var aer: AERFamily
        /// The positioning statement: whom the strategy is for and what the shop is for them.
        public var positioning: String
        /// The id of the trigger that fired.
        public var trigger: String

        /// A strategy and its firing trigger.
        /// - Parameters:
        ///   - id: The strategy id.
        ///   - aer: acquire, expand or retain.
        ///   - positioning: The positioning statement.
        ///   - trigger: The trigger id.
        public init(id: String, aer: AERFamily, positioning: String, trigger: String) {
            self.id = id
            self.aer = aer
            self.positioning = positioning
            self.trigger = trigger
        }

        /// The configured strategy `strategy`, fired by its trigger `trigger`.
        /// - Parameters:
        ///   - strategy: The strategy from the configuration.
        ///   - trigger: The id of the trigger that fired.
        public init(_ strategy: AerCore.Strategy, trigger: String) {
            self.init(id: strategy.id, aer: strategy.aer, positioning: strategy.positioning, trigger: trigger)
        }
    }

    /// The event that caused the action: the event of an `event` trigger, or the one that moved the customer.
    public struct Event: Sendable, Hashable {
        /// The event name (`Order Completed`; `Page Viewed` for a page view).
        public var name: String
        /// The event's properties.
        public var properties: JSONObject
        /// When it happened.
        public var timestamp: Timestamp

        /// An event.
        /// - Parameters:
        ///   - name: The event name.
        ///   - properties: Its properties.
        ///   - timestamp: When it happened.
        public init(name: String, properties: JSONObject = [:], timestamp: Timestamp) {
            self.name = name
            self.properties = properties
            self.timestamp = timestamp
        }

        /// The logged event `event`: its rule name (the `track` name, `Page Viewed`, `Screen Viewed`; else the
        /// message type, such as `identify`), properties and timestamp.
        /// - Parameter event: An event from the log.
        public init(_ event: AerCore.Event) {
            self.init(name: event.ruleName ?? event.type.rawValue, properties: event.properties, timestamp: event.timestamp)
        }
    }

    /// Model outputs for the customer; each is nil until a model that produces it has been fitted (and the
    /// customer predictions until the customer's first purchase).
    public struct Predictions: Sendable, Hashable {
        /// Probability that the customer is still active, 0…1.
        public var pAlive: Double?
        /// Purchases expected over the model horizon.
        public var expectedPurchases: Double?
        /// Expected spend per purchase (Gamma-Gamma).
        public var expectedValue: Double?
        /// Customer lifetime value: discounted expected margin over the model horizon.
        public var clv: Double?
        /// The value at stake in the migration that fired: V(to) − V(from) of the lifecycle stages.
        public var valueAtStake: Double?

        /// Predictions.
        /// - Parameters:
        ///   - pAlive: Probability that the customer is still active.
        ///   - expectedPurchases: Purchases expected over the horizon.
        ///   - expectedValue: Expected spend per purchase.
        ///   - clv: Customer lifetime value.
        ///   - valueAtStake: V(to) − V(from) of the migration's stages.
        public init(pAlive: Double? = nil, expectedPurchases: Double? = nil, expectedValue: Double? = nil, clv: Double? = nil,
                    valueAtStake: Double? = nil) {
            self.pAlive = pAlive
            self.expectedPurchases = expectedPurchases
            self.expectedValue = expectedValue
            self.clv = clv
            self.valueAtStake = valueAtStake
        }
    }

    /// Who the message is for.
    public var customer: Customer
    /// All of the customer's profile traits.
    public var traits: JSONObject
    /// The migration that fired the trigger; nil for `event` triggers.
    public var migration: Migration?
    /// The segment or lifecycle set the trigger is about; nil for `event` triggers.
    public var segment: Segment?
    /// The strategy and trigger that fired.
    public var strategy: Strategy
    /// The event that caused the action, when one did (a timer-driven migration has none).
    public var event: Event?
    /// The action's `params:`, as configured.
    public var params: JSONObject
    /// The one-click unsubscribe URL for this customer and channel, when there is one.
    public var unsubscribeURL: String?
    /// Model outputs, once a model has been fitted.
    public var predictions: Predictions?

    /// A context for one action.
    /// - Parameters:
    ///   - customer: Who the message is for.
    ///   - traits: All of the customer's profile traits.
    ///   - migration: The migration that fired the trigger.
    ///   - segment: The segment or lifecycle set the trigger is about.
    ///   - strategy: The strategy and trigger that fired.
    ///   - event: The event that caused the action.
    ///   - params: The action's `params:`.
    ///   - unsubscribeURL: The one-click unsubscribe URL.
    ///   - predictions: Model outputs.
    public init(customer: Customer, traits: JSONObject = [:], migration: Migration? = nil, segment: Segment? = nil,
                strategy: Strategy, event: Event? = nil, params: JSONObject = [:], unsubscribeURL: String? = nil,
                predictions: Predictions? = nil) {
        self.customer = customer
        self.traits = traits
        self.migration = migration
        self.segment = segment
        self.strategy = strategy
        self.event = event
        self.params = params
        self.unsubscribeURL = unsubscribeURL
        self.predictions = predictions
    }

    /// The customer's email address: `customer.email`, else the `email` trait when it is a non-empty string.
    public var email: String? { customer.email ?? Self.nonEmptyString(traits["email"]) }

    /// The customer's phone number: `customer.phone`, else the `phone` trait when it is a non-empty string.
    public var phone: String? { customer.phone ?? Self.nonEmptyString(traits["phone"]) }

    private static func nonEmptyString(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }
}

// MARK: - The Mustache context tree

extension RenderContext {
    /// The context as the JSON tree templates see: snake_case names, absent values left out (so that
    /// `{{#migration}}…{{/migration}}` and `{{^unsubscribe_url}}…{{/unsubscribe_url}}` work), timestamps in ISO 8601,
    /// predictions rounded to two decimals.
    public var templateTree: JSONObject {
        var tree: JSONObject = [:]
        tree["traits"] = .object(traits)
        var customerObject: JSONObject = ["id": .string(customer.id), "profile_id": .number(Double(customer.profileId))]
        customerObject["email"] = email.map(JSONValue.string)
        customerObject["phone"] = phone.map(JSONValue.string)
        customerObject["traits"] = .object(traits)
        tree["customer"] = .object(customerObject)
        if let migration {
            var object: JSONObject = [
                "set": .string(migration.set), "kind": .string(migration.kind.rawValue),
            ]
            object["from"] = migration.from.map(JSONValue.string)
            object["to"] = migration.to.map(JSONValue.string)
            object["at"] = .string(migration.at.iso8601)
            object["cause"] = .string(migration.cause.kind)
            tree["migration"] = .object(object)
        }
        if let segment {
            var object: JSONObject = ["id": .string(segment.id), "kind": .string(segment.kind.rawValue)]
            object["stage"] = segment.stage.map(JSONValue.string)
            object["description"] = segment.description.map(JSONValue.string)
            tree["segment"] = .object(object)
        }
        tree["strategy"] = [
            "id": .string(strategy.id), "aer": .string(strategy.aer.rawValue),
            "positioning": .string(strategy.positioning), "trigger": .string(strategy.trigger),
        ]
        if let event {
            tree["event"] = [
                "name": .string(event.name), "properties": .object(event.properties),
                "timestamp": .string(event.timestamp.iso8601),
            ]
        }
        tree["params"] = .object(params)
        tree["unsubscribe_url"] = unsubscribeURL.map(JSONValue.string)
        if let predictions {
            var object: JSONObject = [:]
            for (name, value) in predictions.namedValues {
                guard let value, value.isFinite else { continue }
                let rounded = JSONValue.number((value * 100).rounded() / 100)
                object[name] = rounded
                tree[name] = rounded
            }
            tree["predictions"] = .object(object)
        }
        return tree
    }
}

extension RenderContext.Predictions {
    /// The predictions by their snake_case names, in a fixed order.
    var namedValues: [(String, Double?)] {
        [("p_alive", pAlive), ("expected_purchases", expectedPurchases), ("expected_value", expectedValue),
         ("clv", clv), ("value_at_stake", valueAtStake)]
    }
}

/// The names a template can use, for checking variables when templates are compiled.
///
/// A name outside this tree can never have a value, so a template that uses one has a typo. Objects whose
/// members come from data (traits, params, event properties) accept any member.
indirect enum ContextSchema: Sendable {
    /// Anything below this name may exist.
    case open
    /// A value with no members.
    case leaf
    /// An object with exactly these members.
    case object([String: ContextSchema])

    /// The tree ``RenderContext/templateTree`` builds; a test keeps the two in step.
    static let root: ContextSchema = .object([
        "traits": .open,
        "customer": .object(["id": .leaf, "profile_id": .leaf, "email": .leaf, "phone": .leaf, "traits": .open]),
        "migration": .object(["set": .leaf, "kind": .leaf, "from": .leaf, "to": .leaf, "at": .leaf, "cause": .leaf]),
        "segment": .object(["id": .leaf, "kind": .leaf, "stage": .leaf, "description": .leaf]),
        "strategy": .object(["id": .leaf, "aer": .leaf, "positioning": .leaf, "trigger": .leaf]),
        "event": .object(["name": .leaf, "properties": .open, "timestamp": .leaf]),
        "params": .open,
        "unsubscribe_url": .leaf,
        "predictions": .object(["p_alive": .leaf, "expected_purchases": .leaf, "expected_value": .leaf, "clv": .leaf,
                                "value_at_stake": .leaf]),
        "p_alive": .leaf, "expected_purchases": .leaf, "expected_value": .leaf, "clv": .leaf, "value_at_stake": .leaf,
    ])

    /// Whether `path` (dot-separated) can have a value; otherwise the longest valid prefix and the members
    /// expected after it.
    func check(_ path: [Substring]) -> (valid: Bool, prefix: [Substring], expected: [String]) {
        var node = self
        for (index, part) in path.enumerated() {
            switch node {
            case .open:
                return (true, path, [])
            case .leaf:
                return (false, Array(path[..<index]), [])
            case .object(let members):
                guard let next = members[String(part)] else {
                    return (false, Array(path[..<index]), members.keys.sorted())
                }
                node = next
            }
        }
        return (true, path, [])
    }

    /// Every complete path of the schema (`customer.id`, `traits`, …), for suggestions.
    func paths(prefix: String = "") -> [String] {
        switch self {
        case .open, .leaf:
            return prefix.isEmpty ? [] : [prefix]
        case .object(let members):
            var result: [String] = []
            for (name, node) in members {
                result += node.paths(prefix: prefix.isEmpty ? name : prefix + "." + name)
            }
            return result.sorted()
        }
    }
}
