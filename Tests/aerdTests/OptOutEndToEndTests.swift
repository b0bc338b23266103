import AerAutomation
import Foundation
import Testing

/// The example configuration plus a strategy that messages on "Product Added" at once, by email and SMS.
func configWithInstantMessages() throws -> String {
    let directory = try exampleConfig(webhookURL: "http://127.0.0.1:9/unused")
    try """
        strategies:
          - id: instant_nudge
            aer: expand
            positioning: "For shoppers who just added something, we are the shop that answers at once."
            triggers:
              - id: added
                on: {event: Product Added}
                reentry: once_per_migration
                actions:
                  - {channel: email, template: welcome_email}
                  - {channel: sms, template: retention_sms}
        """.write(toFile: directory + "/strategies/instant.yaml", atomically: true, encoding: .utf8)
    return directory
}

@Suite("Opt-out end to end", .serialized)
struct OptOutEndToEndTests {
    @Test("after the unsubscribe link and an SMS STOP, the next triggered messages are skipped with reason consent")
    func optOutThenSkip() async throws {
        let state = try temporaryDirectory()
        let daemon = try Daemon(state: state, config: try configWithInstantMessages())
        let (identified, _) = try await request("POST", daemon.base + "/v1/identify", body: """
            {"userId":"ada","traits":{"email":"ada@example.com","phone":"+4915112340000","sms_opt_in":true,"first_name":"Ada"}}
            """, headers: writeAuth)
        #expect(identified == 200)
        let known = try await eventually { try await request("GET", daemon.base + "/v1/profiles/ada", headers: adminAuth).0 == 200 }
        #expect(known)
        // The link from the email, clicked one-click (POST), and STOP from the phone.
        let token = UnsubscribeTokens(secret: "dev-unsubscribe-secret-change-me").token(profileId: 1, channelType: "email")
        #expect(try await request("POST", daemon.base + "/u/\(token)", body: "List-Unsubscribe=One-Click").0 == 200)
        #expect(try await request("POST", daemon.base + "/v1/sms/inbound", body: "From=%2B4915112340000&Body=STOP",
                                  headers: ["Content-Type": "application/x-www-form-urlencoded"]).0 == 200)
        #expect(try await request("POST", daemon.base + "/v1/track", body: #"{"userId":"ada","event":"Product Added"}"#, headers: writeAuth).0 == 200)
        let skipped = try await eventually {
            let (_, outbox) = try await request("GET", daemon.base + "/v1/outbox?strategy=instant_nudge&status=skipped", headers: adminAuth)
            return outbox.components(separatedBy: #""reason":"consent""#).count - 1 == 2
        }
        #expect(skipped)
        #expect(daemon.stop() == 0)
    }
}
