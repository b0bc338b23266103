import AerCore
import AerJSON
import AerServer
import AerStore
import HTTPTypes
import HummingbirdTesting
import Testing

/// ada's profile with four outbox rows: sent, dead, skipped (strategy `winback`), pending.
private func outboxHarness() async throws -> (harness: Harness, ids: [Int64]) {
    let harness = try Harness()
    _ = try await harness.store.append([
        Event(messageId: "1", source: "web", type: .track, userId: "ada", name: "Order Completed", timestamp: now, receivedAt: now),
    ])
    let ada = try #require(try await harness.store.profile(matching: "ada")).id
    var commit = SegmentationCommit()
    for (index, strategy) in ["retain", "retain", "winback", "retain"].enumerated() {
        commit.firings.append(NewFiring(
            strategy: strategy, trigger: "t0", profileId: ada, migrationIndex: nil, eventSeq: Int64(index + 1), at: now, goal: nil,
            actions: [NewAction(
                idempotencyKey: "\(strategy):t0:\(ada):\(index):0", channel: "sms", template: "retention_sms", status: .pending,
                dueAt: now, message: ["recipient": ["customerId": "ada", "phone": "+4915112345678"], "text": "secret body", "payload": [:]])]))
    }
    try await harness.store.commit(commit)
    let claimed = try await harness.store.claimDue(now: now, limit: 3, owner: "test", lease: .seconds(60))
    let ids = claimed.map(\.id)
    try await harness.store.finish(ids[0], owner: "test", outcome: .sent(receipt: ["detail": "HTTP 201", "provider_message_id": "SM1"]), now: now)
    try await harness.store.finish(ids[1], owner: "test", outcome: .dead(error: "HTTP 400 Bad Request: invalid number"), now: now)
    try await harness.store.finish(ids[2], owner: "test", outcome: .skipped(reason: "frequency_cap"), now: now)
    return (harness, ids + [ids[2] + 1])
}

@Suite("Outbox API")
struct OutboxAPITests {
    @Test("rows list where each message stands, with the customer and receipt but never the rendered body")
    func list() async throws {
        let (harness, ids) = try await outboxHarness()
        try await harness.run { client in
            let page = try await client.execute(uri: "/v1/outbox", method: .get, headers: admin) { try body($0) }
            let rows = page["outbox"]?.arrayValue ?? []
            #expect(rows.compactMap { $0["status"]?.stringValue } == ["sent", "dead", "skipped", "pending"])
            #expect(page["next_cursor"] == .null)
            #expect(rows[0] == [
                "id": .number(Double(ids[0])), "status": "sent", "reason": nil, "strategy": "retain", "trigger": "t0", "channel": "sms",
                "template": "retention_sms", "customer": "ada", "profileId": rows[0]["profileId"]!, "attempts": 1,
                "dueAt": .string(now.iso8601), "createdAt": .string(now.iso8601), "sentAt": .string(now.iso8601),
                "receipt": ["detail": "HTTP 201", "provider_message_id": "SM1"],
            ])
            #expect(rows[1]["reason"] == "HTTP 400 Bad Request: invalid number")
            let text = try await client.execute(uri: "/v1/outbox", method: .get, headers: admin) { String(buffer: $0.body) }
            #expect(!text.contains("secret body"))
            #expect(!text.contains("+4915112345678"))
        }
    }

    @Test("rows are filtered by status and strategy, and paged by id")
    func filters() async throws {
        let (harness, ids) = try await outboxHarness()
        try await harness.run { client in
            let dead = try await client.execute(uri: "/v1/outbox?status=dead", method: .get, headers: admin) { try body($0) }
            #expect(dead["outbox"]?.arrayValue?.compactMap { $0["id"]?.numberValue } == [Double(ids[1])])
            let winback = try await client.execute(uri: "/v1/outbox?strategy=winback", method: .get, headers: admin) { try body($0) }
            #expect(winback["outbox"]?.arrayValue?.compactMap { $0["status"]?.stringValue } == ["skipped"])
            let first = try await client.execute(uri: "/v1/outbox?limit=3", method: .get, headers: admin) { try body($0) }
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await client.execute(uri: "/v1/outbox?limit=3&cursor=\(cursor)", method: .get, headers: admin) { try body($0) }
            #expect(second["outbox"]?.arrayValue?.compactMap { $0["id"]?.numberValue } == [Double(ids[3])])
            #expect(second["next_cursor"] == .null)
        }
    }

    @Test("a dead row is retried: pending again, due now, attempts reset; anything else is 409, a missing row 404")
    func retry() async throws {
        let (harness, ids) = try await outboxHarness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/outbox/\(ids[1])/retry", method: .post, headers: admin) { response in
                #expect(response.status == .ok)
                let answer = try body(response)
                #expect(answer == ["retried": true])
            }
            let row = try #require(try await harness.store.outbox(status: nil, strategy: nil, after: ids[1] - 1, limit: 1).first)
            #expect(row.status == .pending)
            #expect(row.attempts == 0)
            #expect(row.dueAt == now)
            #expect(row.reason == nil)

            try await client.execute(uri: "/v1/outbox/\(ids[1])/retry", method: .post, headers: admin) { response in
                #expect(response.status == .conflict)
                let error = try body(response)["error"]?.stringValue
                #expect(error == "outbox row \(ids[1]) is pending, not dead; only dead rows can be retried")
            }
            try await client.execute(uri: "/v1/outbox/\(ids[0])/retry", method: .post, headers: admin) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/v1/outbox/9999/retry", method: .post, headers: admin) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/outbox/abc/retry", method: .post, headers: admin) { #expect($0.status == .notFound) }
        }
    }

    @Test("the outbox needs the admin token, and a bad status or cursor is 400 naming what to send")
    func guarded() async throws {
        let (harness, ids) = try await outboxHarness()
        try await harness.run { client in
            try await client.execute(uri: "/v1/outbox", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/outbox/\(ids[1])/retry", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/outbox?status=failed", method: .get, headers: admin) { response in
                #expect(response.status == .badRequest)
                let error = try body(response)["error"]?.stringValue
                #expect(error == "status 'failed' is not an outbox status; use one of waiting, pending, sending, sent, skipped, held_out, dead")
            }
            try await client.execute(uri: "/v1/outbox?cursor=x", method: .get, headers: admin) { #expect($0.status == .badRequest) }
        }
        // Nothing was retried by the unauthorized request.
        #expect(try await harness.store.outbox(status: .dead, strategy: nil, after: 0, limit: 10).map(\.id) == [ids[1]])
    }
}
