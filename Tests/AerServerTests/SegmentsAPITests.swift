import AerCore
import AerEngine
import AerJSON
import AerServer
import AerStore
import HTTPTypes
import HummingbirdTesting
import Testing

let admin: HTTPFields = [.authorization: "Bearer \(adminToken)"]

let rules = RuleSet(
    segments: [SegmentDefinition(id: "browsers", kind: .behavioural, condition: .event(EventRule(name: "Product Viewed")))],
    lifecycles: [LifecycleSet(id: "lifecycle", stages: [
        Stage(id: "active", condition: .event(EventRule(name: "Order Completed", within: .days(60)))),
        Stage(id: "prospect", condition: nil),
    ])])

let catalog: [ServerOptions.CatalogEntry] = [
    .init(id: "lifecycle", kind: "lifecycle", type: "lifecycle", stages: ["active", "prospect"]),
    .init(id: "browsers", kind: "behavioural", type: "segment", stages: []),
]

/// Three customers: ada and bo ordered, cy only browsed; the engine has run over them.
func populatedHarness() async throws -> Harness {
    let harness = try Harness(catalog: catalog)
    func track(_ id: String, _ user: String, _ name: String) -> Event {
        Event(messageId: id, source: "web", type: .track, userId: user, name: name, timestamp: now, receivedAt: now)
    }
    _ = try await harness.store.append([
        track("1", "ada", "Order Completed"), track("2", "bo", "Order Completed"), track("3", "cy", "Product Viewed"),
        track("4", "ada", "Product Viewed"),
    ])
    var runner = SegmentationRunner(store: harness.store, rules: rules)
    _ = try await runner.start(now: now)
    _ = try await runner.processEvents(clock: now, now: { _ in now })
    return harness
}

@Suite("Segments and migrations API")
struct SegmentsAPITests {
    @Test("a profile shows its stages, segments and latest migrations")
    func profileMemberships() async throws {
        let harness = try await populatedHarness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/profiles/ada", method: .get, headers: admin) { response in
                let profile = try body(response)
                #expect(profile["stages"] == ["lifecycle": "active"])
                #expect(profile["segments"] == ["browsers"])
                let moves = profile["migrations"]?.arrayValue?.map { "\($0["set"]!.stringValue!):\($0["to"]!.stringValue ?? "-")" }
                #expect(moves == ["browsers:browsers", "lifecycle:active"])
            }
        }
    }

    @Test("segments are listed with their member counts, stages counted per stage")
    func segmentList() async throws {
        let harness = try await populatedHarness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/segments", method: .get, headers: admin) { response in
                let list = try body(response)["segments"]?.arrayValue ?? []
                #expect(list.count == 2)
                #expect(list[0]["members"] == 3)
                #expect(list[0]["stages"] == ["active": 2, "prospect": 1])
                #expect(list[1] == ["id": "browsers", "kind": "behavioural", "type": "segment", "members": 2])
            }
        }
    }

    @Test("members are paged with a cursor until next_cursor is null")
    func memberPaging() async throws {
        let harness = try await populatedHarness()
        try await harness.run { client in
            let first = try await client.execute(uri: "/v1/segments/lifecycle/members?limit=2", method: .get, headers: admin) { try body($0) }
            #expect(first["members"]?.arrayValue?.compactMap { $0["customer"]?.stringValue } == ["ada", "bo"])
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await client.execute(uri: "/v1/segments/lifecycle/members?limit=2&cursor=\(cursor)", method: .get, headers: admin) { try body($0) }
            #expect(second["members"]?.arrayValue?.compactMap { $0["customer"]?.stringValue } == ["cy"])
            #expect(second["next_cursor"] == .null)
            let active = try await client.execute(uri: "/v1/segments/lifecycle/members?stage=active", method: .get, headers: admin) { try body($0) }
            #expect(active["members"]?.arrayValue?.count == 2)
        }
    }

    @Test("unknown segments are 404 and bad parameters 400 with what to send")
    func badRequests() async throws {
        let harness = try await populatedHarness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/segments/nope/members", method: .get, headers: admin) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/segments/lifecycle/members?stage=vip", method: .get, headers: admin) { response in
                #expect(response.status == .badRequest)
                let error = try body(response)["error"]?.stringValue ?? ""
                #expect(error.contains("active, prospect"))
            }
            for query in ["limit=0", "limit=x", "cursor=abc", "since=yesterday"] {
                try await client.execute(uri: "/v1/migrations?\(query)", method: .get, headers: admin) { #expect($0.status == .badRequest) }
            }
            try await client.execute(uri: "/v1/segments", method: .get) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("migrations are filtered by set, from, to and time, and paged by id")
    func migrationQueries() async throws {
        let harness = try await populatedHarness()
        try await harness.run { client in
            let all = try await client.execute(uri: "/v1/migrations", method: .get, headers: admin) { try body($0) }
            #expect(all["migrations"]?.arrayValue?.count == 5)
            let active = try await client.execute(uri: "/v1/migrations?set=lifecycle&to=active", method: .get, headers: admin) { try body($0) }
            #expect(active["migrations"]?.arrayValue?.compactMap { $0["customer"]?.stringValue }.sorted() == ["ada", "bo"])
            let recent = try await client.execute(uri: "/v1/migrations?since=1d", method: .get, headers: admin) { try body($0) }
            #expect(recent["migrations"]?.arrayValue?.count == 5)
            let future = try await client.execute(uri: "/v1/migrations?since=2030-01-01T00:00:00Z", method: .get, headers: admin) { try body($0) }
            #expect(future["migrations"]?.arrayValue?.isEmpty == true)
            var seen: [String] = []
            var cursor = ""
            repeat {
                let page = try await client.execute(uri: "/v1/migrations?limit=2&cursor=\(cursor)", method: .get, headers: admin) { try body($0) }
                seen += page["migrations"]?.arrayValue?.compactMap { $0["id"]?.numberValue.map { String(Int($0)) } } ?? []
                cursor = page["next_cursor"]?.stringValue ?? ""
            } while !cursor.isEmpty
            #expect(seen == ["1", "2", "3", "4", "5"])
            let ada = try await client.execute(uri: "/v1/migrations?customer=ada", method: .get, headers: admin) { try body($0) }
            #expect(ada["migrations"]?.arrayValue?.count == 2)
        }
    }
}
