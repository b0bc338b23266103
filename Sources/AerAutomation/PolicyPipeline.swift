public import AerCore
public import AerDispatch
import AerJSON
public import AerStore
public import Foundation

/// The delivery policies, evaluated just before sending, in this order (one small stage each, as in
/// Alertmanager): consent → suppression → holdout → frequency cap → quiet hours → dedup → send.
///
/// Skip reasons recorded on the outbox row: `no_address`, `consent`, `suppressed`, `frequency_cap`,
/// `duplicate`; held-out rows become `held_out`; quiet hours defer the row to the window's end.
/// Frequency caps and quiet hours apply to channels that reach people (consent other than `none`): a
/// webhook into your CRM at 3 a.m. disturbs nobody.
public struct PolicyPipeline: DeliveryGate {
    private let strategies: [String: Strategy]
    private let defaults: PolicyDefaults
    private let store: any Store
    private let personalChannels: [String]?
    /// How long an identical message (same template, channel and customer) counts as a duplicate.
    public var dedupWindow: AerDuration = .hours(24)

    /// Fallbacks for strategies that set no policy of their own.
    public struct PolicyDefaults: Sendable {
        public var timezone: String
        public var quietHours: QuietHours?
        public var frequencyCap: FrequencyCap?

        public init(timezone: String, quietHours: QuietHours?, frequencyCap: FrequencyCap?) {
            self.timezone = timezone
            self.quietHours = quietHours
            self.frequencyCap = frequencyCap
        }
    }

    /// - Parameters:
    ///   - personalChannels: the channels that reach people (consent other than `none`); a frequency cap over
    ///     "all channels" counts only these. nil counts every channel.
    public init(strategies: [Strategy], defaults: PolicyDefaults, store: any Store, personalChannels: [String]? = nil) {
        self.strategies = Dictionary(strategies.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaults = defaults
        self.store = store
        self.personalChannels = personalChannels
    }

    public func check(_ entry: OutboxEntry, channel: ConfiguredChannel, now: Timestamp) async throws -> GateDecision {
        try await decide(entry, channelType: channel.type, consent: channel.limits.consent, now: now)
    }

    /// Runs the stages for a claimed outbox row.
    /// - Parameters:
    ///   - entry: the row.
    ///   - channelType: `email`, `sms`, `webhook` or `exec`.
    ///   - consent: the channel's consent rule.
    ///   - now: the dispatcher's clock.
    public func decide(_ entry: OutboxEntry, channelType: String, consent: ChannelConsent, now: Timestamp) async throws -> GateDecision {
        let strategy = strategies[entry.strategy]
        let recipient = entry.message["recipient"]?.objectValue ?? [:]
        let email = recipient["email"]?.stringValue
        let phone = recipient["phone"]?.stringValue
        let traits = try await store.profile(matching: String(entry.profileId))?.traits ?? [:]

        // 1. Consent: an address for the channel, the consent trait, and recorded opt-outs.
        let address: String?
        switch channelType {
        case "email": address = email
        case "sms": address = phone
        default: address = nil
        }
        if (channelType == "email" || channelType == "sms") && address == nil { return .skip(reason: "no_address") }
        if let trait = consent.trait {
            let flag = traits[trait].map { $0 == .bool(true) || $0 == .string("true") } ?? false
            switch consent.mode {
            case .optIn where !flag, .optOut where flag: return .skip(reason: "consent")
            default: break
            }
        }
        if consent.mode != .none, try await store.hasOptedOut(channelType: channelType, profileId: entry.profileId, address: address) {
            return .skip(reason: "consent")
        }
        // 2. Suppression list.
        if try await store.isSuppressed(profileId: entry.profileId, email: email, phone: phone) { return .skip(reason: "suppressed") }
        // 3. Holdout: a deterministic control group per strategy.
        if let holdout = strategy?.policy.holdout, holdout > 0, Self.isHeldOut(profileId: entry.profileId, strategy: entry.strategy, share: holdout) {
            return .holdOut
        }
        // Caps and quiet hours protect people; webhooks and programs (consent `none`) reach systems.
        let personal = consent.mode != .none
        // 4. Frequency cap, across strategies.
        if personal, let cap = strategy?.policy.frequencyCap ?? defaults.frequencyCap, cap.channel == nil || cap.channel == entry.channel {
            let sent = try await store.sentCount(
                profileId: entry.profileId, channels: cap.channel.map { [$0] } ?? personalChannels, since: now - cap.per)
            if sent >= cap.max { return .skip(reason: "frequency_cap") }
        }
        // 5. Quiet hours, in the customer's time zone.
        if personal, let quiet = strategy?.policy.quietHours ?? defaults.quietHours {
            let zone = traits[quiet.timezoneTrait]?.stringValue.flatMap(TimeZone.init(identifier:))
                ?? TimeZone(identifier: defaults.timezone) ?? TimeZone(identifier: "UTC")!
            if let end = Self.quietHoursEnd(quiet, zone: zone, now: now) { return .deferUntil(end) }
        }
        // 6. Dedup: the same template already reached this customer on this channel recently.
        if try await store.sentDuplicate(of: entry, since: now - dedupWindow) { return .skip(reason: "duplicate") }
        return .send
    }

    /// Whether a customer falls in a strategy's control group: FNV-1a of customer and strategy, as a
    /// fraction of 2⁶⁴, below the share. Stable across runs and machines.
    public static func isHeldOut(profileId: Int64, strategy: String, share: Double) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(profileId):\(strategy)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Double(hash) / 18_446_744_073_709_551_616.0 < share
    }

    /// If `now` falls inside the quiet window in `zone`, the instant the window ends; else nil.
    public static func quietHoursEnd(_ quiet: QuietHours, zone: TimeZone, now: Timestamp) -> Timestamp? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: Double(now.millis) / 1000)
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let from = quiet.from.minutes, to = quiet.to.minutes
        let inside = from <= to ? (minute >= from && minute < to) : (minute >= from || minute < to)
        guard inside else { return nil }
        guard let end = calendar.nextDate(
            after: date, matching: DateComponents(hour: to / 60, minute: to % 60, second: 0), matchingPolicy: .nextTime)
        else { return nil }
        return Timestamp(millis: Int64((end.timeIntervalSince1970 * 1000).rounded()))
    }
}
