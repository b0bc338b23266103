import ChannelTestKit
import Foundation
import Testing
import WebhookChannel

@Suite("aerd send-test", .serialized)
struct SendTestTests {
    @Test("one message through the real webhook plugin; the provider's answer is printed")
    func webhook() async throws {
        try await withHTTPReceiver { base, receiver in
            let config = try exampleConfig(webhookURL: base + "/aerd")
            let outcome = try aerd(["send-test", "--config", config, "--channel", "webhook", "--to", "ada", "--template", "top_spender_webhook"])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.hasPrefix("sent through webhook (webhook) to ada: HTTP 200"))
            let delivered = try #require(await receiver.requests.first)
            #expect(StandardWebhookSignature.verify(
                secret: exampleWebhookSecret, id: delivered.header("webhook-id") ?? "", timestamp: delivered.header("webhook-timestamp") ?? "",
                body: delivered.body, signatureHeader: delivered.header("webhook-signature") ?? "", tolerance: 300, now: Date()))
        }
    }

    @Test("a refusal is exit 1 and says whether a retry could help; an unknown channel is a usage error")
    func failures() async throws {
        try await withHTTPReceiver([.status(400, body: "bad")]) { base, _ in
            let config = try exampleConfig(webhookURL: base + "/aerd")
            let refused = try aerd(["send-test", "--config", config, "--channel", "webhook", "--to", "ada"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("permanent failure"))
            let unknown = try aerd(["send-test", "--config", config, "--channel", "pigeon", "--to", "ada"])
            #expect(unknown.status == 64)
            #expect(unknown.stderr.contains("configured: email, sms, webhook"))
        }
    }
}
