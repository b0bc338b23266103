import AerPluginAPI
import ChannelTestKit
import Foundation
import Logging
import Testing
@testable import WebhookChannel

private let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
private let otherSecret = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
private let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
private let payload = Data(#"{"type":"migration","customer":{"id":"42","name":"Zoë"},"migration":{"from":"active","to":"at_risk"}}"#.utf8)

private func message(key: String = "retain_drifting:t0:42:7:0") -> OutboundMessage {
    OutboundMessage(idempotencyKey: key, channel: "crm", recipient: Recipient(customerId: "42"), text: "", payload: payload)
}

/// Runs `body` with a plugin on a fixed clock, shutting its HTTP client down however `body` ends.
private func withPlugin<T>(
    _ settings: WebhookSettings, logs: LogRecords = LogRecords(), _ body: (WebhookPlugin) async throws -> T
) async throws -> T {
    let context = ChannelContext(logger: logs.logger("webhook-test"), userAgent: "aerd/test")
    let plugin = try WebhookPlugin(id: "crm", settings: settings, context: context, clock: { now })
    do {
        let result = try await body(plugin)
        await plugin.shutdown()
        return result
    } catch {
        await plugin.shutdown()
        throw error
    }
}

private func failure(_ plugin: WebhookPlugin, _ message: OutboundMessage = message()) async -> DeliveryError? {
    do {
        _ = try await plugin.deliver(message)
        return nil
    } catch {
        return error
    }
}

@Suite("Webhook delivery")
struct WebhookDeliveryTests {
    @Test("the payload is POSTed verbatim with webhook-id, webhook-timestamp and a signature that verifies")
    func signedRequest() async throws {
        try await withHTTPReceiver([.status(204)]) { base, receiver in
            let settings = WebhookSettings(url: base + "/hooks/aerd?tenant=1", secret: secret, headers: ["X-Tenant": "shop-1"])
            let receipt = try await withPlugin(settings) { try await $0.deliver(message()) }
            #expect(receipt.detail == "HTTP 204")

            let request = try #require(await receiver.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/hooks/aerd")
            #expect(request.body == payload)
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("User-Agent") == "aerd/test")
            #expect(request.header("X-Tenant") == "shop-1")
            #expect(request.header("webhook-id") == "retain_drifting:t0:42:7:0")
            #expect(request.header("webhook-timestamp") == "1700000000")
            let signature = try #require(request.header("webhook-signature"))
            #expect(signature.hasPrefix("v1,"))
            #expect(!signature.contains(" "))

            func verify(body: Data = request.body, at time: Date = now) -> Bool {
                StandardWebhookSignature.verify(
                    secret: secret, id: request.header("webhook-id")!, timestamp: request.header("webhook-timestamp")!,
                    body: body, signatureHeader: signature, now: time)
            }
            #expect(verify())
            var tampered = request.body
            tampered[tampered.startIndex + 10] ^= 0x01
            #expect(!verify(body: tampered))
            #expect(!verify(at: now.addingTimeInterval(3600)))
        }
    }

    @Test("with several secrets every one signs, space-separated, and each verifies")
    func rotation() async throws {
        try await withHTTPReceiver { base, receiver in
            _ = try await withPlugin(WebhookSettings(url: base, secrets: [otherSecret, secret])) { try await $0.deliver(message()) }
            let request = try #require(await receiver.requests.first)
            let header = try #require(request.header("webhook-signature"))
            #expect(header.split(separator: " ").count == 2)
            #expect(header.split(separator: " ").allSatisfy { $0.hasPrefix("v1,") })
            for key in [secret, otherSecret] {
                #expect(StandardWebhookSignature.verify(
                    secret: key, id: request.header("webhook-id")!, timestamp: "1700000000", body: request.body,
                    signatureHeader: header, now: now))
            }
        }
    }

    @Test("503 with Retry-After: 7 is a retry after 7 s; the retry has the same webhook-id and succeeds")
    func serviceUnavailableThenAccepted() async throws {
        try await withHTTPReceiver([.status(503, headers: ["Retry-After": "7"], body: "down for maintenance"), .status(201)]) { base, receiver in
            try await withPlugin(WebhookSettings(url: base, secret: secret)) { plugin in
                let error = await failure(plugin)
                #expect(error?.disposition == .retry(after: .seconds(7)))
                #expect(error?.message == "HTTP 503 Service Unavailable: down for maintenance")
                let receipt = try await plugin.deliver(message())
                #expect(receipt.detail == "HTTP 201")
            }
            #expect(await receiver.requests.map { $0.header("webhook-id") } == ["retain_drifting:t0:42:7:0", "retain_drifting:t0:42:7:0"])
        }
    }

    @Test("429 with an HTTP-date Retry-After waits until that date on the plugin's clock")
    func tooManyRequestsUntilDate() async throws {
        try await withHTTPReceiver([.status(429, headers: ["Retry-After": "Tue, 14 Nov 2023 22:14:50 GMT"])]) { base, _ in
            let error = try await withPlugin(WebhookSettings(url: base, secret: secret)) { await failure($0) }
            #expect(error?.disposition == .retry(after: .seconds(90)))
        }
    }

    @Test("408 is a retry")
    func requestTimeout() async throws {
        try await withHTTPReceiver([.status(408)]) { base, _ in
            let error = try await withPlugin(WebhookSettings(url: base, secret: secret)) { await failure($0) }
            #expect(error?.disposition == .retry(after: nil))
        }
    }

    @Test("410 disables the channel and logs that the endpoint is gone")
    func gone() async throws {
        let logs = LogRecords()
        try await withHTTPReceiver([.status(410, body: "hook deleted")]) { base, _ in
            let error = try await withPlugin(WebhookSettings(url: base, secret: secret), logs: logs) { await failure($0) }
            #expect(error?.disposition == .disableChannel)
            #expect(error?.message == "HTTP 410 Gone: hook deleted")
        }
        let logged = logs.messages(at: .error)
        #expect(logged.count == 1)
        #expect(logged.first?.contains("webhook endpoint is gone") == true)
    }

    @Test("other 4xx are permanent with the status and a short excerpt of the body")
    func badRequest() async throws {
        let long = "{\"error\":\"invalid payload\",\n\"detail\":\"" + String(repeating: "x", count: 500) + "\"}"
        try await withHTTPReceiver([.status(422, body: long)]) { base, _ in
            let error = try await withPlugin(WebhookSettings(url: base, secret: secret)) { await failure($0) }
            #expect(error?.disposition == .permanent)
            let message = try #require(error?.message)
            #expect(message.hasPrefix(#"HTTP 422 Unprocessable Entity: {"error":"invalid payload", "detail":"xxx"#))
            #expect(message.count < 250)
        }
    }

    @Test("a redirect is not followed and is permanent")
    func redirect() async throws {
        try await withHTTPReceiver([.status(301, headers: ["Location": "https://elsewhere.example/hook"])]) { base, receiver in
            let error = try await withPlugin(WebhookSettings(url: base, secret: secret)) { await failure($0) }
            #expect(error?.disposition == .permanent)
            #expect(error?.message == "HTTP 301 redirect to https://elsewhere.example/hook: webhooks are not redirected; configure the final URL")
            #expect(await receiver.requests.count == 1)
        }
    }

    @Test("connection refused is a retry")
    func connectionRefused() async throws {
        try await withRefusingPort { port in
            let closed = "http://127.0.0.1:\(port)"
            let error = try await withPlugin(WebhookSettings(url: closed, secret: secret, timeout: 1)) { await failure($0) }
            #expect(error?.isRetryable == true)
            #expect(error?.message == "POST \(closed) failed: connection refused")
        }
    }

    @Test("errors and descriptions leave out the URL's path and query, where providers put secrets")
    func secretPathHidden() async throws {
        try await withRefusingPort { port in
            let closed = "http://127.0.0.1:\(port)"
            let settings = WebhookSettings(url: closed + "/services/T0/B0/sk_live_secret?token=t0ken", secret: secret, timeout: 1)
            #expect(settings.endpoint == closed + "/…")
            #expect(!settings.description.contains("sk_live_secret"))
            let error = try await withPlugin(settings) { await failure($0) }
            #expect(error?.message == "POST \(closed)/… failed: connection refused")
        }
    }

    @Test("no answer within the timeout is a retry")
    func timeout() async throws {
        try await withHTTPReceiver([.hang]) { base, _ in
            let error = try await withPlugin(WebhookSettings(url: base, secret: secret, timeout: 0.3)) { await failure($0) }
            #expect(error?.disposition == .retry(after: nil))
            #expect(error?.message == "POST \(base) failed: no answer within 0.3 s")
        }
    }
}

@Suite("Webhook channel settings")
struct WebhookSettingsTests {
    private func setupError(_ settings: WebhookSettings) async -> ChannelSetupError? {
        do {
            let plugin = try WebhookPlugin(id: "crm", settings: settings, context: ChannelContext(logger: Logger(label: "test")))
            await plugin.shutdown()
            return nil
        } catch {
            return error
        }
    }

    @Test("a secret is required, once, and must be whsec_ then base64")
    func secrets() async {
        let url = "https://crm.example/hook"
        #expect(await setupError(WebhookSettings(url: url))?.key == "secret")
        #expect(await setupError(WebhookSettings(url: url, secret: secret, secrets: [secret]))?.key == "secrets")
        #expect(await setupError(WebhookSettings(url: url, secrets: []))?.key == "secrets")
        #expect(await setupError(WebhookSettings(url: url, secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))?.key == "secret")
        #expect(await setupError(WebhookSettings(url: url, secret: "whsec_not base64!"))?.key == "secret")
        #expect(await setupError(WebhookSettings(url: url, secrets: [secret, "whsec_"]))?.key == "secrets[1]")
        #expect(await setupError(WebhookSettings(url: url, secrets: [secret, otherSecret])) == nil)
    }

    @Test("the URL must be http(s); extra headers may not replace the signed ones")
    func urlAndHeaders() async {
        #expect(await setupError(WebhookSettings(url: "crm.example/hook", secret: secret))?.key == "url")
        let reserved = await setupError(WebhookSettings(url: "https://crm.example", secret: secret, headers: ["Webhook-Signature": "x"]))
        #expect(reserved?.key == "headers.Webhook-Signature")
        let broken = await setupError(WebhookSettings(url: "https://crm.example", secret: secret, headers: ["X-A": "a\r\nX-B: b"]))
        #expect(broken?.key == "headers.X-A")
    }

    @Test("printing the settings shows neither secrets nor header values")
    func redacted() {
        let settings = WebhookSettings(url: "https://crm.example", secret: secret, headers: ["X-Api-Key": "k-123"])
        #expect("\(settings)" == "WebhookSettings(url: https://crm.example, secrets: 1 redacted, timeout: 10.0, headers: [X-Api-Key])")
    }

    @Test("YAML keys decode; header names keep their case")
    func decoding() throws {
        let settings = try ChannelSettingsDecoder.decode(
            WebhookSettings.self,
            from: Data(#"{"url": "https://crm.example", "secrets": ["whsec_AAAA"], "headers": {"X_Api_Key": "k"}, "timeout": 2.5}"#.utf8))
        #expect(settings.secrets == ["whsec_AAAA"])
        #expect(settings.headers == ["X_Api_Key": "k"])
        #expect(settings.timeout == 2.5)
    }
}
