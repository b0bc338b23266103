import AerCore
import AerJSON
import AerStore
import HTTPTypes
import Hummingbird

/// `POST /v1/suppressions` and `DELETE /v1/suppressions`: who must never be contacted. The body names
/// one of `customer` (profile id, userId or anonymousId), `email` or `phone`, and may give a `reason`.
struct SuppressionRoutes: Sendable {
    let store: any Store
    let credentials: Credentials
    let clock: any WallClock

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/suppressions") { request, _ in
            try await handle(request, remove: false)
        }
        router.delete("/v1/suppressions") { request, _ in
            try await handle(request, remove: true)
        }
    }

    private func handle(_ request: Request, remove: Bool) async throws -> Response {
        try await AdminRoutes.guarded(request, credentials) { await change(request, remove: remove) }
    }

    private func change(_ request: Request, remove: Bool) async -> Response {
        let body: JSONValue
        do {
            let buffer = try await request.body.collect(upTo: 64 * 1024)
            body = try buffer.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch {
            return JSONResponse.error(.badRequest, "send a JSON object like {\"email\": \"ada@example.com\", \"reason\": \"complaint\"}: \(error)")
        }
        let given = ["customer", "email", "phone"].filter { body[$0]?.stringValue != nil }
        guard given.count == 1, let kind = given.first, let value = body[kind]?.stringValue, !value.isEmpty else {
            return JSONResponse.error(.badRequest, "name exactly one of \"customer\", \"email\" or \"phone\" (a string)")
        }
        do {
            var key = value
            if kind == "customer" {
                guard let profile = try await store.profile(matching: value) else {
                    return JSONResponse.error(.notFound, "no profile has the id, userId or anonymousId '\(value)'")
                }
                key = String(profile.id)
            }
            // The audit record names the kind of address, never the address itself.
            if remove {
                let existed = try await store.unsuppress(kind: kind, value: key)
                try await store.audit(actor: credentials.adminTokenID, action: "unsuppress", detail: "\(kind) suppression removed", now: clock.now())
                return JSONResponse.make(.ok, ["removed": .bool(existed)])
            }
            try await store.suppress(kind: kind, value: key, reason: body["reason"]?.stringValue, now: clock.now())
            try await store.audit(actor: credentials.adminTokenID, action: "suppress", detail: "\(kind) suppression added", now: clock.now())
            return JSONResponse.make(.ok, ["suppressed": true, "kind": .string(kind), "value": .string(key)])
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the store failed; retry later")
        }
    }
}
