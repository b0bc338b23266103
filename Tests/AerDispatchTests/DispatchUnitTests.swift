import AerCore
import AerJSON
import AerPluginAPI
import AerStore
import Foundation
import Testing
@testable import AerDispatch

@Suite("Token bucket")
struct TokenBucketTests {
    @Test("10/s lets a burst of 10 through at once, then one every 100ms")
    func burstThenSteady() {
        var bucket = TokenBucket(RateLimit(parsing: "10/s")!)
        let waits = (0..<13).map { _ in bucket.reserve(at: .zero) }
        #expect(waits == Array(repeating: .zero, count: 10) + [.milliseconds(100), .milliseconds(200), .milliseconds(300)])
    }

    @Test("tokens come back at the rate: a second after a burst of 12, eight go at once")
    func refill() {
        var bucket = TokenBucket(RateLimit(parsing: "10/s")!)
        for _ in 0..<12 { _ = bucket.reserve(at: .zero) }
        #expect(bucket.available(at: .seconds(1), within: .zero) == 8)
        let waits = (0..<9).map { _ in bucket.reserve(at: .seconds(1)) }
        #expect(waits == Array(repeating: .zero, count: 8) + [.milliseconds(100)])
    }

    @Test("delay looks without reserving; available counts what starts within a horizon")
    func peek() {
        var bucket = TokenBucket(RateLimit(parsing: "1/m")!)
        #expect(bucket.delay(at: .zero) == .zero)
        #expect(bucket.available(at: .zero, within: .seconds(30)) == 1)
        #expect(bucket.available(at: .zero, within: .seconds(60)) == 2)
        #expect(bucket.reserve(at: .zero) == .zero)
        #expect(bucket.delay(at: .seconds(15)) == .seconds(45))
        #expect(bucket.delay(at: .seconds(15)) == .seconds(45))
        #expect(bucket.available(at: .seconds(15), within: .seconds(30)) == 0)
        #expect(bucket.available(at: .seconds(15), within: .seconds(45)) == 1)
        #expect(bucket.reserve(at: .seconds(15)) == .seconds(45))
    }

    @Test("a refunded token is reused by the next send")
    func refund() {
        var bucket = TokenBucket(RateLimit(parsing: "2/h")!)
        #expect(bucket.reserve(at: .zero) == .zero)
        #expect(bucket.reserve(at: .zero) == .zero)
        bucket.refund()
        #expect(bucket.reserve(at: .zero) == .zero)
        #expect(bucket.reserve(at: .zero) == .seconds(1800))
    }
}

@Suite("Rates, backoff and consent")
struct LimitsTests {
    @Test("rates are COUNT/PERIOD with a unit or a duration", arguments: [
        ("10/s", 10, AerDuration.seconds(1), "10/s"), ("600/m", 600, .minutes(1), "600/m"),
        ("100/15m", 100, .minutes(15), "100/15m"), ("5000/d", 5000, .days(1), "5000/d"), (" 2 / h ", 2, .hours(1), "2/h"),
    ])
    func rates(text: String, count: Int, period: AerDuration, shown: String) throws {
        let rate = try #require(RateLimit(parsing: text))
        #expect(rate.count == count)
        #expect(rate.period == period)
        #expect(rate.description == shown)
    }

    @Test("anything else is not a rate", arguments: ["fast", "10", "/s", "0/s", "10/0s", "10/x", "-1/s", "1.5/s", "10/s/s"])
    func notRates(text: String) {
        #expect(RateLimit(parsing: text) == nil)
    }

    @Test("the backoff ceiling doubles from initial up to max")
    func ceilings() {
        let backoff = Backoff()
        #expect((1...9).map { backoff.ceiling(afterAttempt: $0) } == [
            .seconds(30), .minutes(1), .minutes(2), .minutes(4), .minutes(8), .minutes(16), .minutes(32), .hours(1), .hours(1),
        ])
        #expect(backoff.ceiling(afterAttempt: 10_000) == .hours(1))
        #expect(Backoff(initial: .seconds(1), max: AerDuration(millis: .max)).ceiling(afterAttempt: 200).millis == .max)
    }

    @Test("the delay is drawn from [ceiling/2, ceiling], and a source out of range is clamped")
    func jitter() {
        let backoff = Backoff(initial: .seconds(10), max: .minutes(5))
        #expect(backoff.delay(afterAttempt: 2, random: { $0.lowerBound }) == .seconds(10))
        #expect(backoff.delay(afterAttempt: 2, random: { $0.upperBound }) == .seconds(20))
        #expect(backoff.delay(afterAttempt: 2, random: { _ in 0 }) == .seconds(10))
        #expect(backoff.delay(afterAttempt: 2, random: { _ in .max }) == .seconds(20))
        for _ in 0..<100 {
            let delay = backoff.delay(afterAttempt: 3, random: { Int64.random(in: $0) })
            #expect((20_000...40_000).contains(delay.millis))
        }
    }

    @Test("consent defaults by type: sms opt-in, email opt-out, webhook and exec none")
    func consentDefaults() {
        #expect(ChannelConsent.default(forType: "sms") == ChannelConsent(.optIn, trait: "sms_opt_in"))
        #expect(ChannelConsent.default(forType: "email") == ChannelConsent(.optOut, trait: "email_opt_out"))
        #expect(ChannelConsent.default(forType: "webhook") == .none)
        #expect(ChannelConsent.default(forType: "exec") == .none)
        #expect(ChannelConsent(.none, trait: "ignored").trait == nil)
    }
}

@Suite("Outbox message → outbound message")
struct OutboxMessageTests {
    private func entry(_ message: JSONObject, attempts: Int = 3) -> OutboxEntry {
        OutboxEntry(
            id: 7, firingId: 1, idempotencyKey: "retain:t0:42:9:0", strategy: "retain", trigger: "t0", actionIndex: 0,
            profileId: 42, channel: "sms", template: "retention", status: .sending, reason: nil, dueAt: Timestamp(millis: 0),
            attempts: attempts, message: message, receipt: nil, createdAt: Timestamp(millis: 0), sentAt: nil)
    }

    @Test("every field of the schema arrives, with the row's key, channel and attempt")
    func complete() throws {
        var message = renderedMessage()
        message["recipient"] = ["customerId": "42", "email": "ada@example.com", "phone": "+4915112345678", "name": "Ada"]
        let outbound = try OutboxMessage.read(entry(message))
        #expect(outbound == OutboundMessage(
            idempotencyKey: "retain:t0:42:9:0", channel: "sms",
            recipient: Recipient(customerId: "42", email: "ada@example.com", phone: "+4915112345678", name: "Ada"),
            subject: "Come back", text: "We miss you, Ada", html: "<p>We miss you</p>", params: ["coupon": "BACK10"],
            unsubscribeURL: "https://shop.example/u/42", payload: Data(JSONWriter.bytes(message["payload"]!)), attempt: 3))
    }

    @Test("optional fields may be absent or null")
    func minimal() throws {
        let outbound = try OutboxMessage.read(entry(["recipient": ["customerId": "42", "email": nil], "text": "", "payload": [:], "html": nil]))
        #expect(outbound.recipient == Recipient(customerId: "42"))
        #expect(outbound.subject == nil && outbound.html == nil && outbound.params.isEmpty)
        #expect(outbound.payload == Data("{}".utf8))
    }

    @Test("a malformed message names the field at fault", arguments: [
        (["text": "hi", "payload": [:]] as JSONObject, "recipient is missing"),
        (["recipient": "42", "text": "hi", "payload": [:]], "recipient is not an object"),
        (["recipient": ["email": "a@b.c"], "text": "hi", "payload": [:]], "recipient.customerId is missing"),
        (["recipient": ["customerId": 42], "text": "hi", "payload": [:]], "recipient.customerId is not a string"),
        (["recipient": ["customerId": "42"], "payload": [:]], "text is missing"),
        (["recipient": ["customerId": "42"], "text": ["hi"], "payload": [:]], "text is not a string"),
        (["recipient": ["customerId": "42"], "text": "hi"], "payload is missing"),
        (["recipient": ["customerId": "42"], "text": "hi", "payload": "{}"], "payload is not an object"),
        (["recipient": ["customerId": "42"], "text": "hi", "payload": [:], "params": ["n": 1]], "params.n is not a string"),
        (["recipient": ["customerId": "42"], "text": "hi", "payload": [:], "subject": true], "subject is not a string"),
    ] as [(JSONObject, String)])
    func malformed(message: JSONObject, problem: String) {
        #expect(throws: OutboxMessage.Malformed(problem: problem)) { try OutboxMessage.read(entry(message)) }
    }
}
