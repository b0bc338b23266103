import AerCore
import AerJSON

/// The keys of a `channels:` entry that aerd reads itself: the dispatch limits and the consent policy.
/// They are taken out of the entry before the plugin decodes the rest, so plugins never see them.
enum HostKeys {
    /// Every host key.
    static let names: Set<String> = ["concurrency", "rate_limit", "max_attempts", "backoff", "consent", "consent_trait"]

    /// One key at fault and what is wrong with it.
    struct Problem: Sendable, Hashable {
        var key: String
        var message: String
    }

    /// Reads the host keys of one channel entry.
    /// - Parameters:
    ///   - settings: every key of the entry except `id` and `type`.
    ///   - type: the channel's `type:`, for the default consent.
    /// - Returns: the limits (defaults where a key is absent or wrong), the plugin's keys, and the problems found.
    static func read(_ settings: JSONObject, type: String) -> (limits: DispatchLimits, plugin: JSONObject, problems: [Problem]) {
        var limits = DispatchLimits.defaults(forType: type)
        var problems: [Problem] = []
        func fail(_ key: String, _ message: String) { problems.append(Problem(key: key, message: message)) }

        if let value = settings["concurrency"] {
            if let number = wholeNumber(value, in: 1...1000) {
                limits.concurrency = number
            } else {
                fail("concurrency", "must be a whole number from 1 to 1000 (sends in flight at once), got \(show(value))")
            }
        }
        if let value = settings["rate_limit"], !value.isNull {
            if let text = value.stringValue, let rate = RateLimit(parsing: text) {
                limits.rateLimit = rate
            } else {
                fail("rate_limit", "\(show(value)) is not a rate; \(RateLimit.syntaxHint)")
            }
        }
        if let value = settings["max_attempts"] {
            if let number = wholeNumber(value, in: 1...100) {
                limits.maxAttempts = number
            } else {
                fail("max_attempts", "must be a whole number from 1 to 100 (attempts before a message is dead), got \(show(value))")
            }
        }
        if let value = settings["backoff"] {
            limits.backoff = backoff(value, fail)
        }
        limits.consent = consent(settings, type: type, fail)

        let plugin = JSONObject(settings.filter { !names.contains($0.key) }.map { ($0.key, $0.value) })
        return (limits, plugin, problems)
    }

    private static func backoff(_ value: JSONValue, _ fail: (String, String) -> Void) -> Backoff {
        var backoff = Backoff()
        guard let fields = value.objectValue else {
            fail("backoff", "expected a mapping such as {initial: 30s, max: 1h}, got \(show(value))")
            return backoff
        }
        for key in fields.keys where key != "initial" && key != "max" {
            fail("backoff.\(key)", "unknown key; expected initial or max")
        }
        func duration(_ key: String) -> AerDuration? {
            guard let value = fields[key] else { return nil }
            guard let text = value.stringValue, let duration = AerDuration(parsing: text) else {
                fail("backoff.\(key)", "\(show(value)) is not a duration; \(AerDuration.syntaxHint)")
                return nil
            }
            guard duration.millis > 0 else {
                fail("backoff.\(key)", "must be longer than 0")
                return nil
            }
            return duration
        }
        let initial = duration("initial")
        let max = duration("max")
        if let initial { backoff.initial = initial }
        if let max { backoff.max = max }
        if backoff.max < backoff.initial, initial != nil || max != nil {
            if max != nil {
                fail("backoff.max", "must not be shorter than backoff.initial (\(backoff.initial)), got \(backoff.max)")
            } else {
                fail("backoff.initial", "must not be longer than backoff.max (\(backoff.max)), got \(backoff.initial)")
            }
        }
        return backoff
    }

    private static func consent(_ settings: JSONObject, type: String, _ fail: (String, String) -> Void) -> ChannelConsent {
        var consent = ChannelConsent.default(forType: type)
        var explicitMode = false
        if let value = settings["consent"] {
            let modes = ChannelConsent.Mode.allCases.map(\.rawValue)
            if let text = value.stringValue, let mode = ChannelConsent.Mode(rawValue: text) {
                consent = ChannelConsent(mode, trait: ChannelConsent.defaultTrait(forType: type, mode: mode))
                explicitMode = true
            } else {
                fail("consent", "\(show(value)) is not a consent mode; write one of \(modes.joined(separator: ", "))")
                return consent
            }
        }
        if let value = settings["consent_trait"] {
            guard let trait = value.stringValue, !trait.trimmingWhitespace().isEmpty else {
                fail("consent_trait", "expected the name of a customer trait, e.g. \(type)_opt_in, got \(show(value))")
                return consent
            }
            guard consent.mode != .none else {
                let why = explicitMode ? "consent is none" : "a \(type) channel needs no consent unless consent: says so"
                fail("consent_trait", "has no effect: \(why); set consent: opt_in or opt_out, or remove consent_trait")
                return consent
            }
            consent.trait = trait
        }
        return consent
    }

    /// An integer-valued number within `range`.
    private static func wholeNumber(_ value: JSONValue, in range: ClosedRange<Int>) -> Int? {
        guard let number = value.numberValue, number == number.rounded(), number >= Double(range.lowerBound),
            number <= Double(range.upperBound)
        else { return nil }
        return Int(number)
    }

    /// A value as the operator wrote it: strings quoted, anything else as JSON.
    static func show(_ value: JSONValue) -> String {
        if let text = value.stringValue { return "'\(text)'" }
        return JSONWriter.string(value)
    }
}
