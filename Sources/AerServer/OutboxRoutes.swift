import AerCore
import AerJSON
import AerStore
import Hummingbird

/// The outbox in the admin API: what was sent, skipped, held out or dead, and a second chance for dead rows.
/// Guarded by the admin token like every admin route; rows never show the rendered message.
struct OutboxRoutes: Sendable {
    let store: any Store
    let credentials: Credentials
    let clock: any WallClock

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/outbox") { request, _ in
            try await AdminRoutes.guarded(request, credentials) { try await list(queryDictionary(request)) }
        }
        router.post("/v1/outbox/{id}/retry") { request, context in
            try await AdminRoutes.guarded(request, credentials) { try await retry(try context.parameters.require("id")) }
        }
    }

    /// `GET /v1/outbox?status=&strategy=&cursor=&limit=`: rows by ascending id.
    private func list(_ query: [String: String]) async throws -> Response {
        var status: OutboxStatus?
        if let text = query["status"], !text.isEmpty {
            guard let parsed = OutboxStatus(rawValue: text) else {
                let statuses = OutboxStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw AdminRoutes.QueryError(message: "status '\(text)' is not an outbox status; use one of \(statuses)")
            }
            status = parsed
        }
        let strategy = query["strategy"].flatMap { $0.isEmpty ? nil : $0 }
        let limit = try AdminRoutes.limit(query)
        let rows = try await store.outbox(status: status, strategy: strategy, after: try AdminRoutes.cursor(query), limit: limit)
        let names = try await store.displayIds(of: Array(Set(rows.map(\.profileId))))
        return JSONResponse.make(.ok, [
            "outbox": .array(rows.map { Self.json($0, customer: names[$0.profileId]) }),
            "next_cursor": rows.count == limit ? .string(String(rows.last!.id)) : .null,
        ])
    }

    /// `POST /v1/outbox/{id}/retry`: a dead row becomes pending, due now, with its attempts reset.
    private func retry(_ idText: String) async throws -> Response {
        guard let id = Int64(idText), id > 0, let row = try await store.outbox(status: nil, strategy: nil, after: id - 1, limit: 1).first,
            row.id == id
        else {
            return JSONResponse.error(.notFound, "no outbox row '\(idText)'; GET /v1/outbox lists them")
        }
        guard row.status == .dead else {
            return JSONResponse.error(.conflict, "outbox row \(id) is \(row.status.rawValue), not dead; only dead rows can be retried")
        }
        guard try await store.retryDead(id, now: clock.now()) else {
            // Another request or the dispatcher changed it between the two reads.
            return JSONResponse.error(.conflict, "outbox row \(id) is no longer dead; only dead rows can be retried")
        }
        try await store.audit(actor: credentials.adminTokenID, action: "retry", detail: "outbox row \(id) made pending again", now: clock.now())
        return JSONResponse.make(.ok, ["retried": true])
    }

    /// One row for the API: where it stands and what the provider said, never the rendered message.
    static func json(_ row: OutboxEntry, customer: String?) -> JSONValue {
        [
            "id": .number(Double(row.id)),
            "status": .string(row.status.rawValue),
            "reason": row.reason.map(JSONValue.string) ?? .null,
            "strategy": .string(row.strategy),
            "trigger": .string(row.trigger),
            "channel": .string(row.channel),
            "template": .string(row.template),
            "customer": .string(customer ?? String(row.profileId)),
            "profileId": .number(Double(row.profileId)),
            "attempts": .number(Double(row.attempts)),
            "dueAt": .string(row.dueAt.iso8601),
            "createdAt": .string(row.createdAt.iso8601),
            "sentAt": row.sentAt.map { .string($0.iso8601) } ?? .null,
            "receipt": row.receipt.map(JSONValue.object) ?? .null,
        ]
    }
}
