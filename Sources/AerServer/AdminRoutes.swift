import AerCore
import AerJSON
import AerStore
import HTTPTypes
import Hummingbird

/// The admin API; every route needs `Authorization: Bearer <admin token>`. Lists are cursor-paged:
/// pass the `next_cursor` of one page as `cursor` to get the next; it is null on the last page.
struct AdminRoutes: Sendable {
    let store: any Store
    let credentials: Credentials
    let catalog: [ServerOptions.CatalogEntry]
    let clock: any WallClock

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/profiles/{id}") { request, context in
            try await guarded(request) { try await profile(try context.parameters.require("id")) }
        }
        router.delete("/v1/profiles/{id}") { request, context in
            try await guarded(request) {
                let id = try context.parameters.require("id")
                guard let profile = try await store.profile(matching: id) else {
                    return JSONResponse.error(.notFound, "no profile has the id, userId or anonymousId '\(id)'")
                }
                let suppress = queryDictionary(request)["suppress"] == "true"
                guard let summary = try await store.erase(profileId: profile.id, suppress: suppress, actor: credentials.adminTokenID, now: clock.now()) else {
                    return JSONResponse.error(.notFound, "the profile was erased meanwhile")
                }
                return JSONResponse.make(.ok, [
                    "erased": .string(String(summary.profileId)), "events": .number(Double(summary.events)),
                    "pendingMessages": .number(Double(summary.outboxRows)), "suppressed": .bool(summary.suppressed),
                ])
            }
        }
        router.get("/v1/segments") { request, _ in
            try await guarded(request) { try await segments() }
        }
        router.get("/v1/segments/{id}/members") { request, context in
            try await guarded(request) { try await members(try context.parameters.require("id"), queryDictionary(request)) }
        }
        router.get("/v1/migrations") { request, _ in
            try await guarded(request) { try await migrations(queryDictionary(request)) }
        }
    }

    private func guarded(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        try await Self.guarded(request, credentials, body)
    }

    /// Answers 401 unless the request carries the admin token, and 400 for a `QueryError` from `body`.
    static func guarded(_ request: Request, _ credentials: Credentials, _ body: () async throws -> Response) async throws -> Response {
        guard credentials.isAdmin(request.headers) else {
            return JSONResponse.error(
                .unauthorized, "missing or wrong admin token; send Authorization: Bearer <server.admin_token>",
                headers: [.wwwAuthenticate: "Bearer realm=\"aerd-admin\""])
        }
        do {
            return try await body()
        } catch let error as QueryError {
            return JSONResponse.error(.badRequest, error.message)
        }
    }

    private func profile(_ id: String) async throws -> Response {
        guard let profile = try await store.profile(matching: id) else {
            return JSONResponse.error(.notFound, "no profile has the id, userId or anonymousId '\(id)'")
        }
        guard case .object(var object) = profile.json else { return JSONResponse.make(.ok, profile.json) }
        let memberships = try await store.memberships(ofProfile: profile.id)
        object["stages"] = .object(JSONObject(memberships.filter { $0.kind == .lifecycle }.map { ($0.set, JSONValue.string($0.stage)) }))
        object["segments"] = .array(memberships.filter { $0.kind == .segment }.map { .string($0.set) })
        object["memberships"] = .array(memberships.map { membership in
            ["set": .string(membership.set), "kind": .string(membership.kind.rawValue), "stage": .string(membership.stage),
             "since": .string(membership.since.iso8601)]
        })
        object["predictions"] = try await predictions(of: profile.id)
        let display = profile.userIds.first ?? profile.anonymousIds.first
        object["migrations"] = .array(try await store.migrations(ofProfile: profile.id, limit: 50).map { $0.json(customer: display) })
        return JSONResponse.make(.ok, .object(object))
    }

    /// The customer's predictions from the latest model fit, at the current time; null before the first fit.
    private func predictions(of profileId: Int64) async throws -> JSONValue {
        guard let fit = try await store.latestModelFit() else { return .null }
        var object: JSONObject = [
            "fit": .string(String(fit.id)), "fittedAt": .string(fit.fittedAt.iso8601), "horizon": .string(fit.horizon.description),
        ]
        if let predicted = fit.predictions(for: try await store.purchases(ofProfile: profileId), at: clock.now()) {
            for (name, value) in [
                ("p_alive", predicted.probabilityAlive), (fit.expectedPurchasesName, predicted.expectedPurchases),
                ("expected_value", predicted.expectedSpend), ("clv", predicted.lifetimeValue),
            ] {
                object[name] = value.isFinite ? .number(value) : .null
            }
        }
        return .object(object)
    }

    private func segments() async throws -> Response {
        let counts = try await store.memberCounts()
        return JSONResponse.make(.ok, ["segments": .array(catalog.map { entry in
            let stageCounts = counts[entry.id] ?? [:]
            var object: JSONObject = [
                "id": .string(entry.id), "kind": .string(entry.kind), "type": .string(entry.type),
                "members": .number(Double(stageCounts.values.reduce(0, +))),
            ]
            if entry.type == "lifecycle" {
                object["stages"] = .object(JSONObject(entry.stages.map { ($0, JSONValue.number(Double(stageCounts[$0] ?? 0))) }))
            }
            return .object(object)
        })])
    }

    private func members(_ id: String, _ query: [String: String]) async throws -> Response {
        guard let entry = catalog.first(where: { $0.id == id }) else {
            return JSONResponse.error(.notFound, "no segment or lifecycle set '\(id)'; GET /v1/segments lists them")
        }
        let stage = query["stage"]
        if let stage, !entry.stages.contains(stage) {
            throw QueryError(message: "stage '\(stage)' is not a stage of '\(id)'; its stages are \(entry.stages.joined(separator: ", "))")
        }
        let limit = try Self.limit(query)
        let cursor = try Self.cursor(query)
        let ids = try await store.members(of: id, stage: stage, after: cursor, limit: limit)
        let names = try await store.displayIds(of: ids)
        return JSONResponse.make(.ok, [
            "members": .array(ids.map { ["profileId": .string(String($0)), "customer": .string(names[$0] ?? String($0))] }),
            "next_cursor": ids.count == limit ? .string(String(ids.last!)) : .null,
        ])
    }

    private func migrations(_ query: [String: String]) async throws -> Response {
        let now = clock.now()
        var filter = MigrationQuery(
            since: try Self.instant(query, "since", now: now), until: try Self.instant(query, "until", now: now),
            set: query["set"], from: query["from"], to: query["to"], after: try Self.cursor(query), limit: try Self.limit(query))
        if let customer = query["customer"] {
            guard let profile = try await store.profile(matching: customer) else {
                return JSONResponse.make(.ok, ["migrations": [], "next_cursor": .null])
            }
            filter.profileId = profile.id
        }
        let found = try await store.migrations(matching: filter)
        let names = try await store.displayIds(of: Array(Set(found.map(\.profileId))))
        return JSONResponse.make(.ok, [
            "migrations": .array(found.map { $0.json(customer: names[$0.profileId]) }),
            "next_cursor": found.count == filter.limit ? .string(String(found.last!.id)) : .null,
        ])
    }

    struct QueryError: Error {
        var message: String
    }

    static func limit(_ query: [String: String]) throws -> Int {
        guard let text = query["limit"] else { return 100 }
        guard let limit = Int(text), (1...1000).contains(limit) else {
            throw QueryError(message: "limit '\(text)' must be a whole number from 1 to 1000")
        }
        return limit
    }

    static func cursor(_ query: [String: String]) throws -> Int64 {
        guard let text = query["cursor"], !text.isEmpty else { return 0 }
        guard let cursor = Int64(text), cursor >= 0 else {
            throw QueryError(message: "cursor '\(text)' is not one this API returned; pass next_cursor from the previous page")
        }
        return cursor
    }

    /// An ISO 8601 instant, or a duration meaning that long before now (`since=30d`).
    static func instant(_ query: [String: String], _ name: String, now: Timestamp) throws -> Timestamp? {
        guard let text = query[name], !text.isEmpty else { return nil }
        if let instant = Timestamp(iso8601: text) { return instant }
        if let duration = AerDuration(parsing: text) { return now - duration }
        throw QueryError(message: "\(name) '\(text)' must be an ISO 8601 time (2026-11-01T00:00:00Z) or a duration before now (30d)")
    }
}

/// The request's query parameters as a dictionary (the last value of a repeated one wins).
func queryDictionary(_ request: Request) -> [String: String] {
    var result: [String: String] = [:]
    for (key, value) in request.uri.queryParameters { result[String(key)] = String(value) }
    return result
}
