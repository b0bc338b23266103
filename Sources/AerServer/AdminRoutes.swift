import AerJSON
import AerStore
import HTTPTypes
import Hummingbird

/// The admin API; every route needs `Authorization: Bearer <admin token>`.
struct AdminRoutes: Sendable {
    let store: any Store
    let credentials: Credentials

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/profiles/{id}") { request, context in
            try await guarded(request) {
                let id = try context.parameters.require("id")
                guard let profile = try await store.profile(matching: id) else {
                    return JSONResponse.error(.notFound, "no profile has the id, userId or anonymousId '\(id)'")
                }
                return JSONResponse.make(.ok, profile.json)
            }
        }
    }

    private func guarded(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        guard credentials.isAdmin(request.headers) else {
            return JSONResponse.error(
                .unauthorized, "missing or wrong admin token; send Authorization: Bearer <server.admin_token>",
                headers: [.wwwAuthenticate: "Bearer realm=\"aerd-admin\""])
        }
        return try await body()
    }
}
