import AerCore
import AerJSON
import AerServer
import AerStore
import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

let writeKey = "wk_test_123"
let adminToken = "admin-secret"
let now = Timestamp(iso8601: "2026-11-24T10:00:00Z")!

/// A server on 127.0.0.1 over a fresh SQLite file.
struct Harness {
    let store: SQLiteStore
    let server: APIServer

    init(maxBodyBytes: Int = 1 << 20, catalog: [ServerOptions.CatalogEntry] = []) throws {
        store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-server-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(now))
        server = APIServer(
            options: ServerOptions(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, adminToken: adminToken,
                                   writeKeys: [.init(source: "web", key: writeKey)], catalog: catalog),
            store: store, clock: ManualWallClock(now))
    }

    func run(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await server.application(logger: Logger(label: "test")).test(.live, test)
    }
}

func basic(_ key: String) -> HTTPFields {
    [.authorization: "Basic " + Data("\(key):".utf8).base64EncodedString(), .contentType: "application/json"]
}

func json(_ value: JSONValue) -> ByteBuffer { ByteBuffer(string: JSONWriter.string(value)) }

func body(_ response: TestResponse) throws -> JSONValue { try JSONParser.parse(String(buffer: response.body)) }

@Suite("Segment ingest over HTTP")
struct IngestAPITests {
    @Test("a track call with the write key as Basic user is stored and answered success")
    func trackIsStored() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/track", method: .post, headers: basic(writeKey),
                                     body: json(["userId": "u1", "event": "Product Viewed", "messageId": "m1"])) { response in
                #expect(response.status == .ok)
                let answer = try body(response)
                #expect(answer == ["success": true])
            }
        }
        #expect(try await harness.store.eventCount() == 1)
    }

    @Test("the write key may come in the body instead")
    func writeKeyInBody() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/identify", method: .post, headers: [.contentType: "application/json"],
                                     body: json(["writeKey": .string(writeKey), "userId": "u1", "traits": ["plan": "pro"]])) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await harness.store.eventCount() == 1)
    }

    @Test("a missing or unknown write key is 401 and nothing is stored")
    func unknownWriteKey() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/track", method: .post, headers: basic("wrong"), body: json(["userId": "u", "event": "X"])) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/track", method: .post, body: json(["userId": "u", "event": "X"])) {
                #expect($0.status == .unauthorized)
            }
        }
        #expect(try await harness.store.eventCount() == 0)
    }

    @Test("a batch with one bad item is refused whole, naming the item, and nothing is stored")
    func badBatchStoresNothing() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let batch: JSONValue = ["batch": [
                ["type": "track", "userId": "u", "event": "A", "messageId": "1"],
                ["type": "track", "userId": "u", "messageId": "2"],
            ]]
            try await client.execute(uri: "/v1/batch", method: .post, headers: basic(writeKey), body: json(batch)) { response in
                #expect(response.status == .badRequest)
                let answer = try body(response)
                #expect(answer["index"] == 1)
                #expect(answer["field"] == "batch[1].event")
                #expect(answer["success"] == false)
            }
        }
        #expect(try await harness.store.eventCount() == 0)
    }

    @Test("malformed JSON is 400 with the position")
    func malformedJSON() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/batch", method: .post, headers: basic(writeKey), body: ByteBuffer(string: "{\"batch\": [}")) { response in
                #expect(response.status == .badRequest)
                let error = try body(response)["error"]?.stringValue ?? ""
                #expect(error.contains("line 1"))
            }
        }
    }

    @Test("a re-sent batch is answered success and stored once")
    func resentBatch() async throws {
        let harness = try Harness()
        try await harness.run { client in
            let batch = json(["batch": [["type": "track", "userId": "u", "event": "A", "messageId": "same"]]])
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/batch", method: .post, headers: basic(writeKey), body: batch) { #expect($0.status == .ok) }
            }
        }
        #expect(try await harness.store.eventCount() == 1)
    }

    @Test("a gzip body is accepted")
    func gzipBody() async throws {
        let harness = try Harness()
        try await harness.run { client in
            var plain = json(["batch": [["type": "track", "userId": "u", "event": "A"], ["type": "page", "anonymousId": "a"]]])
            let compressed = try plain.compress(with: .gzip())
            var headers = basic(writeKey)
            headers[.contentEncoding] = "gzip"
            try await client.execute(uri: "/v1/batch", method: .post, headers: headers, body: compressed) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/batch", method: .post, headers: headers, body: ByteBuffer(string: "not gzip")) {
                #expect($0.status == .badRequest)
            }
        }
        #expect(try await harness.store.eventCount() == 2)
    }

    @Test("a body over the configured cap is 413, also after gzip decoding")
    func bodyCap() async throws {
        let harness = try Harness(maxBodyBytes: 4096)
        try await harness.run { client in
            let big = String(repeating: "x", count: 5000)
            try await client.execute(uri: "/v1/track", method: .post, headers: basic(writeKey),
                                     body: json(["userId": "u", "event": "A", "properties": ["p": .string(big)]])) {
                #expect($0.status == .contentTooLarge)
            }
            var bomb = json(["userId": "u", "event": "A", "properties": ["p": .string(big)]])
            var headers = basic(writeKey)
            headers[.contentEncoding] = "gzip"
            try await client.execute(uri: "/v1/track", method: .post, headers: headers, body: try bomb.compress(with: .gzip())) {
                #expect($0.status == .contentTooLarge)
            }
        }
    }

    @Test("a batch over 500 KB and a message over 32 KB are 400 with the limit")
    func segmentLimits() async throws {
        let harness = try Harness(maxBodyBytes: 4 << 20)
        try await harness.run { client in
            let item: JSONValue = ["type": "track", "userId": "u", "event": "A", "properties": ["p": .string(String(repeating: "x", count: 20_000))]]
            try await client.execute(uri: "/v1/batch", method: .post, headers: basic(writeKey), body: json(["batch": .array(Array(repeating: item, count: 30))])) { response in
                #expect(response.status == .badRequest)
                let error = try body(response)["error"]?.stringValue ?? ""
                #expect(error.contains("500 KB per batch"))
            }
            try await client.execute(uri: "/v1/track", method: .post, headers: basic(writeKey),
                                     body: json(["userId": "u", "event": "A", "properties": ["p": .string(String(repeating: "x", count: 40_000))]])) { response in
                #expect(response.status == .badRequest)
                let error = try body(response)["error"]?.stringValue ?? ""
                #expect(error.contains("32 KB per message"))
            }
        }
    }

    @Test("concurrent batches are all acknowledged and all stored")
    func concurrentBatches() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let items: [JSONValue] = (0..<25).map { ["type": "track", "userId": .string("u\(index)"), "event": "A", "messageId": .string("\(index)-\($0)")] }
                        try await client.execute(uri: "/v1/batch", method: .post, headers: basic(writeKey), body: json(["batch": .array(items)])) {
                            #expect($0.status == .ok)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        #expect(try await harness.store.eventCount() == 500)
    }
}

@Suite("Admin API")
struct AdminAPITests {
    @Test("the profile made by identify and track is shown to the admin token, by userId or anonymousId")
    func profileLookup() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/batch", method: .post, headers: basic(writeKey), body: json(["batch": [
                ["type": "page", "anonymousId": "anon-7", "name": "Running shoes", "timestamp": "2026-11-24T09:00:00Z"],
                ["type": "identify", "userId": "ada", "anonymousId": "anon-7", "traits": ["email": "ada@example.com"], "timestamp": "2026-11-24T09:01:00Z"],
            ]])) { #expect($0.status == .ok) }
            for id in ["ada", "anon-7"] {
                try await client.execute(uri: "/v1/profiles/\(id)", method: .get, headers: [.authorization: "Bearer \(adminToken)"]) { response in
                    #expect(response.status == .ok)
                    let profile = try body(response)
                    #expect(profile["userIds"] == ["ada"])
                    #expect(profile["anonymousIds"] == ["anon-7"])
                    #expect(profile["traits"] == ["email": "ada@example.com"])
                    #expect(profile["eventCount"] == 2)
                    #expect(profile["firstSeen"] == "2026-11-24T09:00:00.000Z")
                }
            }
        }
    }

    @Test("admin paths need the bearer token: 401 without it, 401 with a write key")
    func adminNeedsToken() async throws {
        let harness = try Harness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/profiles/ada", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/profiles/ada", method: .get, headers: basic(writeKey)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/profiles/ada", method: .get, headers: [.authorization: "Bearer wrong"]) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/profiles/nobody", method: .get, headers: [.authorization: "Bearer \(adminToken)"]) { #expect($0.status == .notFound) }
        }
    }
}
