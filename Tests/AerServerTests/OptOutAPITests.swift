import AerAutomation
import AerCore
import AerServer
import AerStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

let unsubscribeSecret = "test-unsubscribe-secret"

func optOutHarness(smsAuthToken: String? = nil) throws -> (SQLiteStore, APIServer) {
    let store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-optout-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(now))
    let server = APIServer(
        options: ServerOptions(host: "127.0.0.1", port: 0, maxBodyBytes: 1 << 20, adminToken: adminToken, writeKeys: [.init(source: "web", key: writeKey)],
                               optOut: .init(secret: unsubscribeSecret, smsAuthToken: smsAuthToken, smsInboundURL: "https://stride.example/v1/sms/inbound")),
        store: store, clock: ManualWallClock(now))
    return (store, server)
}

let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

@Suite("Opt-out: unsubscribe links and SMS keywords")
struct OptOutAPITests {
    @Test("a token names the customer and channel and survives a round trip; a tampered one does not")
    func tokens() {
        let tokens = UnsubscribeTokens(secret: unsubscribeSecret)
        let token = tokens.token(profileId: 42, channelType: "email")
        #expect(tokens.verify(token)?.profileId == 42)
        #expect(tokens.verify(token)?.channelType == "email")
        #expect(tokens.verify(String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")) == nil)
        #expect(UnsubscribeTokens(secret: "another-secret-entirely").verify(token) == nil)
        #expect(tokens.verify("garbage") == nil)
    }

    @Test("GET shows a confirmation page and changes nothing; the one-click POST records the opt-out")
    func oneClick() async throws {
        let (store, server) = try optOutHarness()
        let token = UnsubscribeTokens(secret: unsubscribeSecret).token(profileId: 7, channelType: "email")
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            try await client.execute(uri: "/u/\(token)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("<form method=\"post\">"))
            }
            #expect(try await !store.hasOptedOut(channelType: "email", profileId: 7, address: nil))
            try await client.execute(uri: "/u/\(token)", method: .post, headers: form, body: ByteBuffer(string: "List-Unsubscribe=One-Click")) {
                #expect($0.status == .ok)
            }
        }
        #expect(try await store.hasOptedOut(channelType: "email", profileId: 7, address: nil))
        #expect(try await !store.hasOptedOut(channelType: "sms", profileId: 7, address: nil))
    }

    @Test("an invalid token is 400 and says nothing about why")
    func invalidToken() async throws {
        let (_, server) = try optOutHarness()
        let forged = UnsubscribeTokens(secret: "not-the-server-secret").token(profileId: 7, channelType: "email")
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            for uri in ["/u/\(forged)", "/u/nonsense"] {
                try await client.execute(uri: uri, method: .post) { response in
                    #expect(response.status == .badRequest)
                    #expect(!String(buffer: response.body).contains("7"))
                }
            }
        }
    }

    @Test("STOP and its synonyms opt the number out of SMS, START opts it back in")
    func smsKeywords() async throws {
        let (store, server) = try optOutHarness()
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            try await client.execute(uri: "/v1/sms/inbound", method: .post, headers: form, body: ByteBuffer(string: "From=%2B4915112340000&Body=+stop%0A&To=%2B49151")) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body).contains("<Response>"))
            }
        }
        #expect(try await store.hasOptedOut(channelType: "sms", profileId: 1, address: "+4915112340000"))
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            try await client.execute(uri: "/v1/sms/inbound", method: .post, headers: form, body: ByteBuffer(string: "From=%2B4915112340000&Body=Start")) { #expect($0.status == .ok) }
        }
        #expect(try await !store.hasOptedOut(channelType: "sms", profileId: 1, address: "+4915112340000"))
        for word in ["STOPALL", "unsubscribe", "Cancel", "END", "quit"] {
            let (other, otherServer) = try optOutHarness()
            try await otherServer.application(logger: Logger(label: "test")).test(.live) { client in
                try await client.execute(uri: "/v1/sms/inbound", method: .post, headers: form, body: ByteBuffer(string: "From=%2B1555&Body=\(word)")) { _ in }
            }
            #expect(try await other.hasOptedOut(channelType: "sms", profileId: 1, address: "+1555"))
        }
    }

    @Test("with an auth token configured, the provider's signature is required and checked")
    func signature() async throws {
        #expect(ProviderSignature.isValid(
            signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", authToken: "12345", url: "https://mycompany.com/myapp.php?foo=1&bar=2",
            parameters: [("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212"), ("Caller", "+14158675309")]))
        let (store, server) = try optOutHarness(smsAuthToken: "12345")
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            try await client.execute(uri: "/v1/sms/inbound", method: .post, headers: form, body: ByteBuffer(string: "From=%2B1555&Body=STOP")) {
                #expect($0.status == .forbidden)
            }
        }
        #expect(try await !store.hasOptedOut(channelType: "sms", profileId: 1, address: "+1555"))
    }
}
