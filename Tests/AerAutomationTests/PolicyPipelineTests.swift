import AerAutomation
import AerCore
import AerDispatch
import AerJSON
import AerStore
import Foundation
import Testing

let t0 = Timestamp(iso8601: "2026-03-02T12:00:00Z")!

/// A store with one customer (ada, profile 1) and one outbox row for `channel`.
func storeWithRow(channel: String = "sms", strategy: String = "retain_drifting", recipient: JSONObject = ["customerId": "ada", "phone": "+4915112340000", "email": "ada@example.com"], traits: JSONObject = ["sms_opt_in": true]) async throws -> (SQLiteStore, OutboxEntry) {
    let store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-policy-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(t0))
    _ = try await store.append([Event(messageId: "i1", source: "web", type: .identify, userId: "ada", traits: traits, timestamp: t0, receivedAt: t0)])
    var step = SegmentationCommit()
    step.firings = [NewFiring(strategy: strategy, trigger: "t0", profileId: 1, migrationIndex: nil, eventSeq: 1, at: t0, goal: nil, actions: [
        NewAction(idempotencyKey: "k-\(UUID().uuidString)", channel: channel, template: "retention_sms", status: .pending, dueAt: t0,
                  message: ["recipient": .object(recipient), "text": "We miss you"]),
    ])]
    try await store.commit(step)
    let entry = try #require(try await store.outbox(status: nil, strategy: nil, after: 0, limit: 1).first)
    return (store, entry)
}

func pipeline(_ store: SQLiteStore, strategies: [Strategy] = [], quietHours: QuietHours? = nil, cap: FrequencyCap? = nil) -> PolicyPipeline {
    PolicyPipeline(strategies: strategies, defaults: .init(timezone: "Europe/Berlin", quietHours: quietHours, frequencyCap: cap), store: store)
}

let smsConsent = ChannelConsent(.optIn, trait: "sms_opt_in")

func strategy(_ policy: Policy) -> Strategy {
    Strategy(id: "retain_drifting", aer: .retain, positioning: "p", policy: policy, triggers: [])
}

@Suite("Delivery policies")
struct PolicyPipelineTests {
    @Test("a customer who opted in to SMS and has a number is sent to")
    func sends() async throws {
        let (store, entry) = try await storeWithRow()
        #expect(try await pipeline(store).decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .send)
    }

    @Test("consent: no opt-in trait, a STOP on record, or no number skip the message with a reason")
    func consent() async throws {
        let (noOptIn, entry) = try await storeWithRow(traits: ["plan": "pro"])
        #expect(try await pipeline(noOptIn).decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .skip(reason: "consent"))

        let (stopped, stoppedEntry) = try await storeWithRow()
        try await stopped.setOptOut(channelType: "sms", address: "+4915112340000", optedOut: true, source: "sms STOP", now: t0)
        #expect(try await pipeline(stopped).decide(stoppedEntry, channelType: "sms", consent: smsConsent, now: t0) == .skip(reason: "consent"))

        let (noPhone, noPhoneEntry) = try await storeWithRow(recipient: ["customerId": "ada"])
        #expect(try await pipeline(noPhone).decide(noPhoneEntry, channelType: "sms", consent: smsConsent, now: t0) == .skip(reason: "no_address"))
    }

    @Test("email is opt-out: sent unless the customer's opt-out trait is set or they unsubscribed")
    func emailOptOut() async throws {
        let rule = ChannelConsent(.optOut, trait: "email_opt_out")
        let (store, entry) = try await storeWithRow(channel: "email", traits: [:])
        #expect(try await pipeline(store).decide(entry, channelType: "email", consent: rule, now: t0) == .send)
        try await store.setOptOut(channelType: "email", address: "customer:1", optedOut: true, source: "unsubscribe link", now: t0)
        #expect(try await pipeline(store).decide(entry, channelType: "email", consent: rule, now: t0) == .skip(reason: "consent"))
        let (flagged, flaggedEntry) = try await storeWithRow(channel: "email", traits: ["email_opt_out": true])
        #expect(try await pipeline(flagged).decide(flaggedEntry, channelType: "email", consent: rule, now: t0) == .skip(reason: "consent"))
    }

    @Test("a suppressed customer, email or phone is skipped; removing the suppression lets it through")
    func suppression() async throws {
        let (store, entry) = try await storeWithRow()
        try await store.suppress(kind: "phone", value: "+4915112340000", reason: "complaint", now: t0)
        #expect(try await pipeline(store).decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .skip(reason: "suppressed"))
        #expect(try await store.unsuppress(kind: "phone", value: "+4915112340000"))
        try await store.suppress(kind: "customer", value: "1", reason: nil, now: t0)
        #expect(try await pipeline(store).decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .skip(reason: "suppressed"))
    }

    @Test("holdout keeps a deterministic control group of about the configured share")
    func holdout() async throws {
        let (store, entry) = try await storeWithRow()
        #expect(try await pipeline(store, strategies: [strategy(Policy(holdout: 1))]).decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .holdOut)
        #expect(try await pipeline(store, strategies: [strategy(Policy(holdout: 0))]).decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .send)
        let held = (1...10_000).filter { PolicyPipeline.isHeldOut(profileId: Int64($0), strategy: "retain_drifting", share: 0.1) }.count
        #expect((900...1100).contains(held))
        #expect(PolicyPipeline.isHeldOut(profileId: 42, strategy: "s", share: 0.5) == PolicyPipeline.isHeldOut(profileId: 42, strategy: "s", share: 0.5))
    }

    @Test("the frequency cap counts messages sent within the rolling window, across strategies")
    func frequencyCap() async throws {
        let (store, entry) = try await storeWithRow()
        let owner = "test"
        let claimed = try await store.claimDue(now: t0, limit: 10, owner: owner, lease: .minutes(1))
        try await store.finish(claimed[0].id, owner: owner, outcome: .sent(receipt: [:]), now: t0 - .days(1))
        let capped = pipeline(store, strategies: [strategy(Policy(frequencyCap: FrequencyCap(max: 1, per: .days(7))))])
        #expect(try await capped.decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .skip(reason: "frequency_cap"))
        #expect(try await capped.decide(entry, channelType: "sms", consent: smsConsent, now: t0 + .days(7)) != .skip(reason: "frequency_cap"))
    }

    @Test("inside quiet hours the message is deferred to the window's end in the customer's time zone")
    func quietHours() async throws {
        let (store, entry) = try await storeWithRow(traits: ["sms_opt_in": true, "timezone": "America/New_York"])
        let quiet = QuietHours(from: TimeOfDay(parsing: "21:00")!, to: TimeOfDay(parsing: "08:00")!)
        let policies = pipeline(store, quietHours: quiet)
        // 02:00 UTC is 21:00 in New York (EST): deferred to 08:00 New York = 13:00 UTC.
        let late = Timestamp(iso8601: "2026-03-03T02:00:00Z")!
        #expect(try await policies.decide(entry, channelType: "sms", consent: smsConsent, now: late) == .deferUntil(Timestamp(iso8601: "2026-03-03T13:00:00Z")!))
        // 12:00 UTC is 07:00 in New York: still quiet until 08:00.
        #expect(try await policies.decide(entry, channelType: "sms", consent: smsConsent, now: t0) == .deferUntil(Timestamp(iso8601: "2026-03-02T13:00:00Z")!))
        #expect(try await policies.decide(entry, channelType: "sms", consent: smsConsent, now: t0 + .hours(2)) == .send)
    }

    @Test("quiet hours and caps protect people: a webhook (consent none) goes out at night")
    func systemsAreNotPeople() async throws {
        let (store, entry) = try await storeWithRow(channel: "webhook")
        let quiet = QuietHours(from: TimeOfDay(parsing: "21:00")!, to: TimeOfDay(parsing: "08:00")!)
        let night = Timestamp(iso8601: "2026-03-03T02:00:00Z")!
        #expect(try await pipeline(store, quietHours: quiet, cap: FrequencyCap(max: 0, per: .days(1))).decide(entry, channelType: "webhook", consent: .none, now: night) == .send)
    }

    @Test("without a time zone trait the configured default zone applies")
    func defaultZone() {
        let quiet = QuietHours(from: TimeOfDay(parsing: "21:00")!, to: TimeOfDay(parsing: "08:00")!)
        // 21:30 UTC is 22:30 in Berlin (CET): deferred to 07:00 UTC.
        let end = PolicyPipeline.quietHoursEnd(quiet, zone: TimeZone(identifier: "Europe/Berlin")!, now: Timestamp(iso8601: "2026-03-02T21:30:00Z")!)
        #expect(end == Timestamp(iso8601: "2026-03-03T07:00:00Z"))
    }

    @Test("the same template already sent to the customer on the channel today is a duplicate")
    func dedup() async throws {
        let (store, entry) = try await storeWithRow()
        var step = SegmentationCommit()
        step.firings = [NewFiring(strategy: "other", trigger: "t0", profileId: 1, migrationIndex: nil, eventSeq: nil, at: t0, goal: nil, actions: [
            NewAction(idempotencyKey: "other-key", channel: "sms", template: "retention_sms", status: .pending, dueAt: t0, message: ["text": "x"]),
        ])]
        try await store.commit(step)
        let claimed = try await store.claimDue(now: t0, limit: 10, owner: "o", lease: .minutes(1))
        let other = try #require(claimed.first { $0.idempotencyKey == "other-key" })
        try await store.finish(other.id, owner: "o", outcome: .sent(receipt: [:]), now: t0)
        #expect(try await pipeline(store).decide(entry, channelType: "sms", consent: smsConsent, now: t0 + .hours(1)) == .skip(reason: "duplicate"))
    }
}
