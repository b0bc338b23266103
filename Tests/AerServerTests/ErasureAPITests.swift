import AerCore
import AerJSON
import AerStore
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Erasure")
struct ErasureAPITests {
    @Test("DELETE /v1/profiles/{id} forgets the customer, keeps them suppressed if asked, and audits without personal data")
    func erase() async throws {
        let harness = try Harness()
        _ = try await harness.store.append([
            Event(messageId: "1", source: "web", type: .identify, userId: "ada", traits: ["email": "Ada@Example.com", "phone": "+4915112340000"], timestamp: now, receivedAt: now),
            Event(messageId: "2", source: "web", type: .track, userId: "ada", name: "Order Completed", timestamp: now, receivedAt: now),
            Event(messageId: "3", source: "web", type: .track, userId: "bo", name: "Order Completed", timestamp: now, receivedAt: now),
        ])
        try await harness.run { client in
            try await client.execute(uri: "/v1/profiles/ada?suppress=true", method: .delete) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/profiles/ada?suppress=true", method: .delete, headers: admin) { response in
                #expect(response.status == .ok)
                let answer = try body(response)
                #expect(answer["events"] == 2)
                #expect(answer["suppressed"] == true)
            }
            try await client.execute(uri: "/v1/profiles/ada", method: .get, headers: admin) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/profiles/ada", method: .delete, headers: admin) { #expect($0.status == .notFound) }
        }
        #expect(try await harness.store.eventCount() == 1)
        #expect(try await harness.store.isSuppressed(profileId: 99, email: "ada@example.com", phone: nil))
        #expect(try await harness.store.isSuppressed(profileId: 99, email: nil, phone: "+4915112340000"))
        let log = try await harness.store.auditLog()
        #expect(log.map(\.action) == ["erase"])
        #expect(log[0].actor.hasPrefix("admin:") && !log[0].actor.contains(adminToken))
        #expect(!log[0].detail.contains("ada") && !log[0].detail.contains("@"))
    }
}
