import AerCore
import AerJSON
import AerServer
import AerStore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Who asked for reloads.
private final class Askers: Sendable {
    private let names = Mutex<[String]>([])
    func add(_ name: String) { names.withLock { $0.append(name) } }
    var all: [String] { names.withLock { $0 } }
}

@Suite("Reload API")
struct ReloadAPITests {
    /// A server whose `/-/reload` swaps in `next` (adding the write key `app-key`), or refuses when `refuse` is set.
    private func server(refuse: Bool, asked: Askers) throws -> (APIServer, SQLiteStore) {
        let store = try SQLiteStore(path: NSTemporaryDirectory() + "aerd-reload-" + UUID().uuidString + "/aerd.sqlite", clock: ManualWallClock(now))
        let first = ServerOptions(host: "127.0.0.1", port: 0, maxBodyBytes: 1 << 20, adminToken: adminToken, writeKeys: [.init(source: "web", key: writeKey)])
        var changed = first
        changed.writeKeys.append(.init(source: "app", key: "app-key"))
        let next = changed
        let holder = Mutex<APIServer?>(nil)
        let server = APIServer(options: first, store: store, clock: ManualWallClock(now), reload: { actor in
            asked.add(actor)
            if refuse {
                return ReloadReport(successful: false, fingerprint: "old", summary: "old config", errors: ["segments/x.yaml:3:11: error: unknown key 'evnt'"])
            }
            holder.withLock { $0 }?.reconfigure(next)
            return ReloadReport(successful: true, fingerprint: "new", summary: "new config")
        })
        holder.withLock { $0 = server }
        return (server, store)
    }

    @Test("a good reload answers 200 and the new write key is accepted at once; the token is required")
    func success() async throws {
        let asked = Askers()
        let (server, _) = try server(refuse: false, asked: asked)
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            let track = json(["userId": "u1", "event": "Product Viewed", "messageId": "m1"])
            try await client.execute(uri: "/v1/track", method: .post, headers: basic("app-key"), body: track) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/-/reload", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/-/reload", method: .post, headers: admin) { response in
                #expect(response.status == .ok)
                let answer = try body(response)
                #expect(answer["reloaded"] == true)
                #expect(answer["fingerprint"] == "new")
            }
            try await client.execute(uri: "/v1/track", method: .post, headers: basic("app-key"), body: track) { #expect($0.status == .ok) }
        }
        #expect(asked.all.count == 1)
        #expect(asked.all.first?.hasPrefix("admin:") == true)
    }

    @Test("a refused reload answers 422 with every problem, and the old routes keep serving")
    func refused() async throws {
        let asked = Askers()
        let (server, _) = try server(refuse: true, asked: asked)
        try await server.application(logger: Logger(label: "test")).test(.live) { client in
            try await client.execute(uri: "/-/reload", method: .post, headers: admin) { response in
                #expect(response.status == .unprocessableContent)
                let answer = try body(response)
                #expect(answer["reloaded"] == false)
                #expect(answer["errors"] == ["segments/x.yaml:3:11: error: unknown key 'evnt'"])
            }
            try await client.execute(uri: "/v1/track", method: .post, headers: basic(writeKey),
                                     body: json(["userId": "u1", "event": "Product Viewed", "messageId": "m1"])) { #expect($0.status == .ok) }
        }
    }
}
