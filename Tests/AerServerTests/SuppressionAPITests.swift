import AerCore
import AerJSON
import AerStore
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Suppressions API")
struct SuppressionAPITests {
    @Test("a customer, email or phone can be suppressed and released; the store's policy sees it")
    func suppressAndRelease() async throws {
        let harness = try Harness()
        _ = try await harness.store.append([Event(messageId: "1", source: "web", type: .identify, userId: "ada", timestamp: now, receivedAt: now)])
        try await harness.run { client in
            try await client.execute(uri: "/v1/suppressions", method: .post, headers: admin, body: json(["email": "Ada@Example.com", "reason": "complaint"])) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/suppressions", method: .post, headers: admin, body: json(["customer": "ada"])) { response in
                let answer = try body(response)
                #expect(answer["value"] == "1")
            }
            try await client.execute(uri: "/v1/suppressions", method: .delete, headers: admin, body: json(["customer": "ada"])) { response in
                let answer = try body(response)
                #expect(answer["removed"] == true)
            }
        }
        #expect(try await harness.store.isSuppressed(profileId: 1, email: "ada@example.com", phone: nil))
        #expect(try await !harness.store.isSuppressed(profileId: 1, email: nil, phone: nil))
    }

    @Test("bad bodies are 400 naming the fields, unknown customers 404, no token 401")
    func badRequests() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/suppressions", method: .post, headers: admin, body: json(["email": "a@b.c", "phone": "+1"])) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/suppressions", method: .post, headers: admin, body: ByteBuffer(string: "nope")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/suppressions", method: .post, headers: admin, body: json(["customer": "nobody"])) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/suppressions", method: .post, body: json(["email": "a@b.c"])) { #expect($0.status == .unauthorized) }
        }
    }
}
