public import AerCore

/// How the dispatcher treats one channel: the host-level keys of its `channels:` entry, which aerd reads
/// itself and never passes to the plugin.
///
/// ```yaml
/// channels:
///   - id: sms
///     type: sms
///     concurrency: 2            # sends in flight at once (default 4)
///     rate_limit: 10/s          # a token bucket: COUNT/PERIOD (default: none)
///     max_attempts: 5           # attempts before a message is dead (default 8)
///     backoff: {initial: 30s, max: 1h}
///     consent: opt_in           # opt_in | opt_out | none (default by type)
///     consent_trait: sms_ok     # the trait that records it
/// ```
public struct DispatchLimits: Sendable, Hashable {
    /// The most sends in flight at once on the channel, 1…1000.
    public var concurrency: Int
    /// The most sends per period, or nil for no limit.
    public var rateLimit: RateLimit?
    /// Attempts (the first one included) before a retryable failure becomes dead, 1…100.
    public var maxAttempts: Int
    /// How long to wait before a retry.
    public var backoff: Backoff
    /// What consent a customer must have given; the policy stage enforces it.
    public var consent: ChannelConsent

    /// - Parameters:
    ///   - concurrency: the most sends in flight at once.
    ///   - rateLimit: the most sends per period, or nil.
    ///   - maxAttempts: attempts before a retryable failure is dead.
    ///   - backoff: the wait before a retry.
    ///   - consent: what consent a customer must have given.
    public init(
        concurrency: Int = 4, rateLimit: RateLimit? = nil, maxAttempts: Int = 8, backoff: Backoff = Backoff(),
        consent: ChannelConsent = .none
    ) {
        self.concurrency = concurrency
        self.rateLimit = rateLimit
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.consent = consent
    }

    /// The limits of a channel whose entry sets none of the host keys.
    /// - Parameter type: the channel's `type:`; it decides the default consent.
    /// - Returns: concurrency 4, no rate limit, 8 attempts, backoff 30s…1h, and `ChannelConsent.default(forType:)`.
    public static func defaults(forType type: String) -> DispatchLimits {
        DispatchLimits(consent: .default(forType: type))
    }
}

/// A rate: at most `count` sends per `period`, with bursts of up to `count` (`10/s`, `600/m`, `100/15m`).
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// Sends per period, at least 1.
    public let count: Int
    /// The period, longer than zero.
    public let period: AerDuration

    /// - Parameters:
    ///   - count: sends per period; at least 1.
    ///   - period: the period; longer than zero.
    /// - Returns: nil when either is out of range.
    public init?(count: Int, per period: AerDuration) {
        guard count >= 1, period.millis > 0 else { return nil }
        self.count = count
        self.period = period
    }

    /// Parses `COUNT/PERIOD`: the period is a unit (`s`, `m`, `h`, `d`) or a duration (`15m`).
    /// - Parameter text: e.g. `10/s`, `600/m`, `100/15m`.
    /// - Returns: nil for anything else, or a zero count or period.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(parts[0])
        else { return nil }
        let unit = parts[1]
        let period = ["s", "m", "h", "d"].contains(unit) ? AerDuration(parsing: "1" + unit) : AerDuration(parsing: unit)
        guard let period else { return nil }
        self.init(count: count, per: period)
    }

    /// `10/s`, `600/m`, `100/15m`.
    public var description: String {
        let text = period.description
        return "\(count)/" + (text.hasPrefix("1") && text.dropFirst().allSatisfy(\.isLetter) ? String(text.dropFirst()) : text)
    }

    /// What a valid rate looks like, for error messages.
    public static let syntaxHint = "write COUNT/PERIOD, e.g. 10/s, 600/m or 100/15m"
}

/// Exponential backoff between retries: the ceiling doubles from `initial` with every attempt, up to `max`,
/// and the wait is random between half the ceiling and the ceiling, so that retries of many messages that
/// failed together (an outage) do not all arrive together.
public struct Backoff: Sendable, Hashable {
    /// The ceiling after the first attempt; longer than zero. Default 30s.
    public var initial: AerDuration
    /// The largest ceiling; at least `initial`. Default 1h.
    public var max: AerDuration

    /// - Parameters:
    ///   - initial: the ceiling after the first attempt.
    ///   - max: the largest ceiling.
    public init(initial: AerDuration = .seconds(30), max: AerDuration = .hours(1)) {
        self.initial = initial
        self.max = max
    }

    /// The ceiling after `attempt` failed attempts: min(max, initial × 2^(attempt − 1)).
    /// - Parameter attempt: the attempt that just failed, 1 for the first.
    /// - Returns: the longest wait before the next attempt.
    public func ceiling(afterAttempt attempt: Int) -> AerDuration {
        var ceiling = initial.millis
        var doublings = Swift.max(attempt - 1, 0)
        while doublings > 0 && ceiling < max.millis {
            ceiling = ceiling > Int64.max / 2 ? Int64.max : ceiling * 2
            doublings -= 1
        }
        return AerDuration(millis: Swift.min(ceiling, max.millis))
    }

    /// The wait before the next attempt: random in [ceiling / 2, ceiling].
    /// - Parameters:
    ///   - attempt: the attempt that just failed, 1 for the first.
    ///   - random: picks a number in a range (milliseconds); `Int64.random(in:)` in production.
    /// - Returns: the wait.
    public func delay(afterAttempt attempt: Int, random: (ClosedRange<Int64>) -> Int64) -> AerDuration {
        let ceiling = ceiling(afterAttempt: attempt).millis
        let half = ceiling / 2
        return AerDuration(millis: Swift.min(Swift.max(random(half...ceiling), half), ceiling))
    }
}

/// What consent a channel needs before it may contact a customer, and which customer trait records it.
///
/// The dispatcher only carries this; the policy stage (consent → suppression → …) enforces it.
public struct ChannelConsent: Sendable, Hashable, CustomStringConvertible {
    /// The kind of consent.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Send only to customers whose `trait` is true (SMS, by law in most places).
        case optIn = "opt_in"
        /// Send unless the customer's `trait` is true (marketing email with an unsubscribe link).
        case optOut = "opt_out"
        /// No consent check (webhooks and programs that reach systems, not people).
        case none
    }

    /// The kind of consent.
    public var mode: Mode
    /// The customer trait that records it; nil exactly when `mode` is `.none`.
    public var trait: String?

    /// - Parameters:
    ///   - mode: the kind of consent.
    ///   - trait: the trait that records it; ignored for `.none`.
    public init(_ mode: Mode, trait: String?) {
        self.mode = mode
        self.trait = mode == .none ? nil : trait
    }

    /// No consent check.
    public static let none = ChannelConsent(.none, trait: nil)

    /// The consent a channel type needs unless its entry says otherwise: `sms` opt-in (trait `sms_opt_in`),
    /// `email` opt-out (trait `email_opt_out`), anything else none.
    /// - Parameter type: the channel's `type:`.
    /// - Returns: the default consent.
    public static func `default`(forType type: String) -> ChannelConsent {
        switch type {
        case "sms": ChannelConsent(.optIn, trait: defaultTrait(forType: type, mode: .optIn))
        case "email": ChannelConsent(.optOut, trait: defaultTrait(forType: type, mode: .optOut))
        default: .none
        }
    }

    /// The trait a mode uses when `consent_trait` is not given: `<type>_opt_in` or `<type>_opt_out`.
    /// - Parameters:
    ///   - type: the channel's `type:`.
    ///   - mode: the consent mode.
    /// - Returns: the trait name, or nil for `.none`.
    public static func defaultTrait(forType type: String, mode: Mode) -> String? {
        mode == .none ? nil : "\(type)_\(mode.rawValue)"
    }

    /// `opt_in (sms_opt_in)`, `none`.
    public var description: String { trait.map { "\(mode.rawValue) (\($0))" } ?? mode.rawValue }
}
