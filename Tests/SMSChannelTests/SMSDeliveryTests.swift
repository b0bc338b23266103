import AerPluginAPI
import ChannelTestKit
import Foundation
import Logging
@testable import SMSChannel
import Testing

private let context = ChannelContext(logger: Logger(label: "sms-test"), userAgent: "aerd/test")

private func settings(
    _ baseURL: String, from: String? = "+14155550100", service: String? = nil, callback: String? = nil, timeout: Double = 30
) -> SMSSettings {
    SMSSettings(baseURL: baseURL, accountSID: "AC0123", authToken: "s3cr3t", from: from, messagingServiceSID: service,
                statusCallback: callback, timeout: timeout)
}

private func message(to phone: String? = "+447700900123", text: String = "Hi Ada, we miss you!", key: String = "retain_drifting:t0:42:7:0") -> OutboundMessage {
    OutboundMessage(idempotencyKey: key, channel: "sms", recipient: Recipient(customerId: "42", phone: phone), text: text,
                    payload: Data("{}".utf8))
}

/// Runs `body` with a plugin, shutting its HTTP client down however `body` ends.
private func withPlugin<T>(_ settings: SMSSettings, _ body: (SMSPlugin) async throws -> T) async throws -> T {
    let plugin = try SMSPlugin(id: "sms", settings: settings, context: context)
    do {
        let result = try await body(plugin)
        await plugin.shutdown()
        return result
    } catch {
        await plugin.shutdown()
        throw error
    }
}

/// The error a delivery fails with, or nil when it succeeds.
private func failure(_ plugin: SMSPlugin, _ message: OutboundMessage) async -> DeliveryError? {
    do {
        _ = try await plugin.deliver(message)
        return nil
    } catch {
        return error
    }
}

private let accepted = Reply.status(201, headers: ["Content-Type": "application/json"],
                                    body: #"{"sid": "SM0001", "status": "queued", "num_segments": "1"}"#)

@Suite("SMS over a Twilio-compatible API")
struct SMSDeliveryTests {
    @Test("a message is one form POST with Basic auth, the idempotency token and exactly the expected fields")
    func formAndAuth() async throws {
        try await withHTTPReceiver([accepted]) { base, receiver in
            let receipt = try await withPlugin(settings(base, callback: "https://shop.example/sms-status?x=1")) {
                try await $0.deliver(message(text: "Hi Ada & co, 20% off + free shipping: shop.example/€"))
            }
            #expect(receipt.providerMessageId == "SM0001")
            #expect(receipt.detail == "HTTP 201 queued")
            #expect(receipt.metadata["encoding"] == "GSM-7")
            #expect(receipt.metadata["segments"] == "1")

            let requests = await receiver.requests
            try #require(requests.count == 1)
            let request = requests[0]
            #expect(request.method == "POST")
            #expect(request.path == "/2010-04-01/Accounts/AC0123/Messages.json")
            #expect(request.header("Authorization") == "Basic " + Data("AC0123:s3cr3t".utf8).base64EncodedString())
            #expect(request.header("I-Twilio-Idempotency-Token") == "retain_drifting:t0:42:7:0")
            #expect(request.header("User-Agent") == "aerd/test")
            #expect(request.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true)
            #expect(request.form == [
                "To": "+447700900123",
                "From": "+14155550100",
                "Body": "Hi Ada & co, 20% off + free shipping: shop.example/€",
                "StatusCallback": "https://shop.example/sms-status?x=1",
            ])
            // A literal + would read as a space: the numbers must arrive percent-encoded.
            #expect(String(decoding: request.body, as: UTF8.self).hasPrefix("To=%2B447700900123&From=%2B14155550100&"))
        }
    }

    @Test("a messaging service replaces From")
    func messagingService() async throws {
        try await withHTTPReceiver([accepted]) { base, receiver in
            _ = try await withPlugin(settings(base, from: nil, service: "MG9752")) { try await $0.deliver(message()) }
            let form = try #require(await receiver.requests.first).form
            #expect(form["MessagingServiceSid"] == "MG9752")
            #expect(form["From"] == nil)
        }
    }

    @Test("503 with Retry-After: 7 is a retry after 7 s; the retry carries the same idempotency token and succeeds")
    func serviceUnavailableThenAccepted() async throws {
        try await withHTTPReceiver([.status(503, headers: ["Retry-After": "7"], body: "busy"), accepted]) { base, receiver in
            try await withPlugin(settings(base)) { plugin in
                let error = await failure(plugin, message())
                #expect(error?.disposition == .retry(after: .seconds(7)))
                #expect(error?.message.hasPrefix("HTTP 503") == true)
                let receipt = try await plugin.deliver(message())
                #expect(receipt.providerMessageId == "SM0001")
            }
            let tokens = await receiver.requests.map { $0.header("I-Twilio-Idempotency-Token") }
            #expect(tokens == ["retain_drifting:t0:42:7:0", "retain_drifting:t0:42:7:0"])
        }
    }

    @Test("429 is a retry, with no delay when the provider names none")
    func tooManyRequests() async throws {
        try await withHTTPReceiver([.status(429, body: #"{"code": 20429, "message": "Too Many Requests"}"#)]) { base, _ in
            let error = try await withPlugin(settings(base)) { await failure($0, message()) }
            #expect(error?.disposition == .retry(after: nil))
            #expect(error?.message == "HTTP 429: Too Many Requests (code 20429)")
        }
    }

    @Test("400 is permanent and keeps the provider's message, code and link")
    func badRequest() async throws {
        let twilio = #"{"code": 21211, "message": "The 'To' number +447700900123 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
        try await withHTTPReceiver([.status(400, headers: ["Content-Type": "application/json"], body: twilio)]) { base, _ in
            let error = try await withPlugin(settings(base)) { await failure($0, message()) }
            #expect(error?.disposition == .permanent)
            #expect(error?.message == "HTTP 400: The 'To' number +447700900123 is not a valid phone number. (code 21211) https://www.twilio.com/docs/errors/21211")
        }
    }

    @Test("401 without a JSON body is permanent with the status reason")
    func unauthorized() async throws {
        try await withHTTPReceiver([.status(401)]) { base, _ in
            let error = try await withPlugin(settings(base)) { await failure($0, message()) }
            #expect(error?.disposition == .permanent)
            #expect(error?.message == "HTTP 401: Unauthorized")
        }
    }

    @Test("a number that is not E.164 fails permanently, naming it, before anything is sent")
    func invalidNumber() async throws {
        try await withHTTPReceiver { base, receiver in
            try await withPlugin(settings(base)) { plugin in
                let error = await failure(plugin, message(to: "07700 900123"))
                #expect(error?.disposition == .permanent)
                #expect(error?.message.contains("'07700 900123' is not an E.164 number") == true)
                let missing = await failure(plugin, message(to: nil))
                #expect(missing?.message == "customer 42 has no phone number")
            }
            #expect(await receiver.requests.isEmpty)
        }
    }

    @Test("a body over max_segments fails permanently before anything is sent")
    func tooManySegments() async throws {
        try await withHTTPReceiver { base, receiver in
            let text = "Vous êtes parti ? " + String(repeating: "x", count: 782)
            let error = try await withPlugin(settings(base)) { await failure($0, message(text: text)) }
            #expect(error?.disposition == .permanent)
            #expect(error?.message.hasPrefix("body needs 12 UCS-2 segments; max_segments is 10") == true)
            #expect(error?.message.contains("'ê'") == true)
            #expect(await receiver.requests.isEmpty)
        }
    }

    @Test("a decomposed é is sent composed and stays GSM-7")
    func composedBeforeCounting() async throws {
        try await withHTTPReceiver([accepted]) { base, receiver in
            let receipt = try await withPlugin(settings(base)) { try await $0.deliver(message(text: "Cafe\u{301}")) }
            #expect(receipt.metadata["encoding"] == "GSM-7")
            #expect(try #require(await receiver.requests.first).form["Body"] == "Caf\u{E9}")
        }
    }

    @Test("an empty body is refused")
    func emptyBody() async throws {
        let error = try await withPlugin(settings("http://127.0.0.1:9")) { await failure($0, message(text: " \n")) }
        #expect(error?.message == "the SMS body is empty")
    }

    @Test("connection refused is a retry")
    func connectionRefused() async throws {
        try await withRefusingPort { port in
            let closed = "http://127.0.0.1:\(port)"
            let error = try await withPlugin(settings(closed, timeout: 1)) { await failure($0, message()) }
            #expect(error?.isRetryable == true)
            #expect(error?.message == "cannot reach 127.0.0.1: connection refused")
        }
    }

    @Test("no answer within the timeout is a retry")
    func timeout() async throws {
        try await withHTTPReceiver([.hang]) { base, _ in
            let error = try await withPlugin(settings(base, timeout: 0.3)) { await failure($0, message()) }
            #expect(error?.disposition == .retry(after: nil))
            #expect(error?.message == "cannot reach 127.0.0.1: no answer within 0.3 s")
        }
    }
}

@Suite("SMS channel settings")
struct SMSSettingsTests {
    private func setupError(_ settings: SMSSettings) async -> ChannelSetupError? {
        do {
            let plugin = try SMSPlugin(id: "sms", settings: settings, context: context)
            await plugin.shutdown()
            return nil
        } catch {
            return error
        }
    }

    @Test("exactly one of from and messaging_service_sid")
    func senderChoice() async {
        #expect(await setupError(settings("https://api.twilio.com", from: nil))?.key == "from")
        #expect(await setupError(settings("https://api.twilio.com", service: "MG1"))?.key == "messaging_service_sid")
        #expect(await setupError(settings("https://api.twilio.com", from: "4155550100"))?.description
            == "from: '4155550100' is not an E.164 number: + then 8 to 15 digits, e.g. +14155550100")
        #expect(await setupError(settings("https://api.twilio.com")) == nil)
    }

    @Test("base_url must be http(s) and status_callback absolute")
    func urls() async {
        #expect(await setupError(settings("ftp://api.twilio.com"))?.key == "base_url")
        #expect(await setupError(settings("https://api.twilio.com", callback: "/status"))?.key == "status_callback")
    }

    @Test("printing the settings or the channel never shows the auth token")
    func redacted() async throws {
        let settings = settings("https://api.twilio.com")
        #expect(!"\(settings)".contains("s3cr3t"))
        #expect("\(settings)".contains("auth_token: <redacted>"))
        try await withPlugin(settings) { plugin in
            #expect("\(plugin)" == "sms channel 'sms' via api.twilio.com")
            #expect(!String(reflecting: plugin).contains("s3cr3t"))
        }
    }

    @Test("YAML keys decode with defaults; a misspelt key is named with a suggestion; a missing one is named")
    func decoding() throws {
        let decoded = try ChannelSettingsDecoder.decode(
            SMSSettings.self, from: Data(#"{"account_sid": "AC1", "auth_token": "t", "messaging_service_sid": "MG1"}"#.utf8))
        #expect(decoded.baseURL == "https://api.twilio.com")
        #expect(decoded.accountSID == "AC1")
        #expect(decoded.messagingServiceSID == "MG1")
        #expect(decoded.maxSegments == 10)
        #expect(decoded.timeout == 10)

        let misspelt = #expect(throws: ChannelSetupError.self) {
            try ChannelSettingsDecoder.decode(SMSSettings.self, from: Data(#"{"account_sid": "AC1", "auth_token": "t", "max_segment": 3}"#.utf8))
        }
        #expect(misspelt?.description == "max_segment: unknown key; did you mean 'max_segments'?")
        let missing = #expect(throws: ChannelSetupError.self) {
            try ChannelSettingsDecoder.decode(SMSSettings.self, from: Data(#"{"account_sid": "AC1"}"#.utf8))
        }
        #expect(missing?.description == "auth_token: missing required key")
    }
}

@Suite("Retry-After")
struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT

    @Test("delay-seconds")
    func seconds() {
        #expect(RetryAfter.delay("120", now: now) == .seconds(120))
        #expect(RetryAfter.delay(" 0 ", now: now) == .zero)
    }

    @Test("an HTTP-date in all three forms is measured from now; a past date means now")
    func dates() {
        #expect(RetryAfter.delay("Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.delay("Tuesday, 14-Nov-23 22:14:20 GMT", now: now) == .seconds(60))
        #expect(RetryAfter.delay("Tue Nov 14 22:13:25 2023", now: now) == .seconds(5))
        #expect(RetryAfter.delay("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
    }

    @Test("anything else is no delay at all", arguments: ["", "soon", "-5", "1.5", "Tue, 14 Nov 2023"])
    func garbage(_ value: String) {
        #expect(RetryAfter.delay(value, now: now) == nil)
    }
}
