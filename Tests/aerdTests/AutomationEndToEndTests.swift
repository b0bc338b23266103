import AerAutomation
import ChannelTestKit
import Foundation
import Testing
import WebhookChannel

/// The example configuration with its webhook channel pointed at `url`.
func exampleConfig(webhookURL url: String) throws -> String {
    let directory = try temporaryDirectory() + "/config"
    try FileManager.default.copyItem(atPath: repositoryRoot + "/config", toPath: directory)
    let main = directory + "/aerd.yaml"
    let text = try String(contentsOfFile: main, encoding: .utf8).replacingOccurrences(of: "http://127.0.0.1:9000/aerd", with: url)
    try text.write(toFile: main, atomically: true, encoding: .utf8)
    return directory
}

let exampleWebhookSecret = "whsec_ZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtY2hhbmdlLW1l"

@Suite("Automation end to end", .serialized)
struct AutomationEndToEndTests {
    @Test("a big order makes a top spender and the example config sends a signed webhook to the receiver")
    func signedWebhook() async throws {
        try await withHTTPReceiver { base, receiver in
            let daemon = try Daemon(state: try temporaryDirectory(), config: try exampleConfig(webhookURL: base + "/aerd"))
            // Profiles are numbered in arrival order; skip ids that fall in vip_upgrade's 10% control group.
            var id: Int64 = 1
            while PolicyPipeline.isHeldOut(profileId: id, strategy: "vip_upgrade", share: 0.1) {
                _ = try await request("POST", daemon.base + "/v1/track", body: #"{"userId":"filler\#(id)","event":"Page Viewed"}"#, headers: writeAuth)
                id += 1
            }
            let (status, _) = try await request("POST", daemon.base + "/v1/track", body: """
                {"userId":"vip","event":"Order Completed","properties":{"order_id":"9001","revenue":640,"currency":"EUR"}}
                """, headers: writeAuth)
            #expect(status == 200)
            let arrived = try await eventually { await receiver.requests.count >= 1 }
            #expect(arrived)
            let delivered = try #require(await receiver.requests.first)
            #expect(delivered.path == "/aerd")
            let webhookID = try #require(delivered.header("webhook-id"))
            let timestamp = try #require(delivered.header("webhook-timestamp"))
            let signature = try #require(delivered.header("webhook-signature"))
            #expect(StandardWebhookSignature.verify(
                secret: exampleWebhookSecret, id: webhookID, timestamp: timestamp, body: delivered.body, signatureHeader: signature,
                tolerance: 300, now: Date()))
            let envelope = try JSONSerialization.jsonObject(with: delivered.body) as? [String: Any]
            #expect((envelope?["strategy"] as? [String: Any])?["id"] as? String == "vip_upgrade")
            #expect((envelope?["customer"] as? [String: Any])?["id"] as? String == "vip")
            #expect(envelope?["id"] as? String == webhookID)
            let sent = try await eventually {
                let (_, outbox) = try await request("GET", daemon.base + "/v1/outbox?status=sent", headers: adminAuth)
                return outbox.contains(#""strategy":"vip_upgrade""#)
            }
            #expect(sent)
            #expect(daemon.stop() == 0)
        }
    }
}
