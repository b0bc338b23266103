public import AerJSON

/// The three AER strategy families.
public enum AERFamily: String, Sendable, Hashable, CaseIterable {
    case acquire, expand, retain
}

/// A YAML-declared strategy: a positioning statement and the triggers that act on it.
public struct Strategy: Sendable, Hashable {
    public var id: String
    public var aer: AERFamily
    public var positioning: String
    /// Higher runs first when several strategies fire on one migration.
    public var priority: Int
    public var policy: Policy
    public var triggers: [Trigger]

    public init(id: String, aer: AERFamily, positioning: String, priority: Int = 0, policy: Policy = Policy(), triggers: [Trigger]) {
        self.id = id
        self.aer = aer
        self.positioning = positioning
        self.priority = priority
        self.policy = policy
        self.triggers = triggers
    }
}

/// What a trigger fires on.
public enum TriggerEvent: Sendable, Hashable {
    /// A stage move in lifecycle set `set`; nil from/to lists mean `*`.
    case migration(set: String, from: [String]?, to: [String]?)
    /// Entering a plain segment.
    case enter(segment: String)
    /// Exiting a plain segment.
    case exit(segment: String)
    /// An event, with property filters.
    case event(name: String, filters: [PropertyFilter])
}

/// When a trigger may fire again for the same customer.
public enum Reentry: Sendable, Hashable {
    /// Only ever once per customer.
    case once
    /// Once per distinct migration (the default).
    case oncePerMigration
    /// Again after the cooldown has passed since the last firing.
    case cooldown(AerDuration)
}

/// One trigger of a strategy.
public struct Trigger: Sendable, Hashable {
    /// Stable id within the strategy (defaults to the trigger's index).
    public var id: String
    public var on: TriggerEvent
    public var condition: Condition?
    public var wait: AerDuration?
    public var recheck: Bool
    public var reentry: Reentry
    /// Whether migrations caused by a config change fire this trigger.
    public var onBackfill: Bool
    public var actions: [Action]

    public init(id: String, on: TriggerEvent, condition: Condition? = nil, wait: AerDuration? = nil, recheck: Bool = true,
                reentry: Reentry = .oncePerMigration, onBackfill: Bool = false, actions: [Action]) {
        self.id = id
        self.on = on
        self.condition = condition
        self.wait = wait
        self.recheck = recheck
        self.reentry = reentry
        self.onBackfill = onBackfill
        self.actions = actions
    }
}

/// A message to send through a channel with a template.
public struct Action: Sendable, Hashable {
    public var channel: String
    public var template: String
    public var params: JSONObject

    public init(channel: String, template: String, params: JSONObject = [:]) {
        self.channel = channel
        self.template = template
        self.params = params
    }
}

/// The policies a strategy's actions pass through before sending.
public struct Policy: Sendable, Hashable {
    /// Share of customers kept as a control group, 0…1.
    public var holdout: Double
    public var frequencyCap: FrequencyCap?
    public var quietHours: QuietHours?
    public var goal: Goal?

    public init(holdout: Double = 0, frequencyCap: FrequencyCap? = nil, quietHours: QuietHours? = nil, goal: Goal? = nil) {
        self.holdout = holdout
        self.frequencyCap = frequencyCap
        self.quietHours = quietHours
        self.goal = goal
    }
}

/// At most `max` messages per customer within `per`, on `channel` or on all channels when nil.
public struct FrequencyCap: Sendable, Hashable {
    public var max: Int
    public var per: AerDuration
    public var channel: String?

    public init(max: Int, per: AerDuration, channel: String? = nil) {
        self.max = max
        self.per = per
        self.channel = channel
    }
}

/// A local time of day, minutes after midnight.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var minutes: Int

    public init(minutes: Int) { self.minutes = minutes }

    /// Parses `HH:MM` (24-hour).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        minutes = h * 60 + m
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }

    public var description: String {
        let h = minutes / 60, m = minutes % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}

/// No sends between `from` and `to` in the customer's local time (may wrap midnight).
public struct QuietHours: Sendable, Hashable {
    public var from: TimeOfDay
    public var to: TimeOfDay
    /// The profile trait holding the customer's IANA time zone.
    public var timezoneTrait: String

    public init(from: TimeOfDay, to: TimeOfDay, timezoneTrait: String = "timezone") {
        self.from = from
        self.to = to
        self.timezoneTrait = timezoneTrait
    }
}

/// A conversion: the customer performs `event` within `within` after a send or a held-out firing.
public struct Goal: Sendable, Hashable {
    public var event: String
    public var within: AerDuration

    public init(event: String, within: AerDuration) {
        self.event = event
        self.within = within
    }
}
