public import AerJSON
import Hummingbird

/// What one configuration reload did, as `POST /-/reload` answers it and the reload log records it.
public struct ReloadReport: Sendable, Hashable {
    /// Whether the new configuration is now serving; false means the previous one still is.
    public var successful: Bool
    /// The fingerprint of the configuration serving after the reload (the new one, or the old one on failure).
    public var fingerprint: String
    /// A one-line summary of the configuration serving after the reload.
    public var summary: String
    /// Every problem found, each `FILE:LINE:COLUMN: error: …`; empty on success.
    public var errors: [String]
    /// Settings that changed but only take effect on restart (`server.listen`, `state_dir`, …), each naming the key.
    public var needsRestart: [String]

    /// - Parameters:
    ///   - successful: whether the new configuration serves.
    ///   - fingerprint: the serving configuration's fingerprint.
    ///   - summary: the serving configuration's summary.
    ///   - errors: the problems, when it failed.
    ///   - needsRestart: changed settings that need a restart.
    public init(successful: Bool, fingerprint: String, summary: String, errors: [String] = [], needsRestart: [String] = []) {
        self.successful = successful
        self.fingerprint = fingerprint
        self.summary = summary
        self.errors = errors
        self.needsRestart = needsRestart
    }

    /// The report as JSON: `{"reloaded": true, "fingerprint": …, "summary": …, "errors": […], "needs_restart": […]}`.
    public var json: JSONValue {
        [
            "reloaded": .bool(successful), "fingerprint": .string(fingerprint), "summary": .string(summary),
            "errors": .array(errors.map(JSONValue.string)), "needs_restart": .array(needsRestart.map(JSONValue.string)),
        ]
    }
}

/// Reloads the configuration on request; `actor` names who asked (an admin token id, or `SIGHUP`).
public typealias ConfigurationReloader = @Sendable (_ actor: String) async -> ReloadReport

/// `POST /-/reload`: reloads the configuration, guarded by the admin token. 200 when the new configuration
/// serves, 422 with every problem when it was refused (the previous configuration keeps serving).
struct ReloadRoute: Sendable {
    let credentials: Credentials
    let reload: ConfigurationReloader

    func register(on router: Router<BasicRequestContext>) {
        router.post("/-/reload") { request, _ in
            try await AdminRoutes.guarded(request, credentials) {
                let report = await reload(credentials.adminTokenID)
                return JSONResponse.make(report.successful ? .ok : .unprocessableContent, report.json)
            }
        }
    }
}
