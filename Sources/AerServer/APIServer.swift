public import AerCore
public import AerMetrics
public import AerStore
public import Hummingbird
public import Logging
import Synchronization

/// The HTTP listener shared by the ingest API, the admin API and the health endpoints.
///
/// The address is fixed for the life of the process; everything else (write keys, the admin token, the
/// segment catalog, opt-out secrets, the body limit) can be swapped with ``reconfigure(_:)`` while the server
/// runs: requests already in progress finish under the routes they started with.
public struct APIServer: Sendable {
    /// The options the server was started with; the address comes from here.
    public let options: ServerOptions
    private let store: any Store
    private let clock: any WallClock
    private let afterCommit: @Sendable () -> Void
    private let readiness: Readiness?
    private let reload: ConfigurationReloader?
    private let current: RoutingTable
    private let metrics: DaemonMetrics

    /// - Parameters:
    ///   - options: address, limits and credentials.
    ///   - store: where events go and profiles come from.
    ///   - clock: stamps `receivedAt`.
    ///   - afterCommit: called after each ingest commit (wakes the engine).
    ///   - readiness: what `/readyz` reports; nil means ready whenever the server runs.
    ///   - reload: what `POST /-/reload` calls; nil leaves the route out.
    ///   - metrics: where ingest is counted and what `GET /metrics` shows.
    public init(options: ServerOptions, store: any Store, clock: any WallClock, afterCommit: @escaping @Sendable () -> Void = {},
                readiness: Readiness? = nil, reload: ConfigurationReloader? = nil, metrics: DaemonMetrics = DaemonMetrics()) {
        self.readiness = readiness
        self.metrics = metrics
        self.options = options
        self.store = store
        self.clock = clock
        self.afterCommit = afterCommit
        self.reload = reload
        current = RoutingTable()
        current.install(router(options).buildResponder())
    }

    /// The routes for the initial options, for tests against the router.
    public func router() -> Router<BasicRequestContext> { router(options) }

    /// Serves `options` from now on (their host and port are ignored: the listener stays where it is).
    public func reconfigure(_ options: ServerOptions) {
        current.install(router(options).buildResponder())
    }

    private func router(_ options: ServerOptions) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let credentials = Credentials(options: options)
        IngestRoutes(
            log: store, clock: clock, credentials: credentials, maxBodyBytes: options.maxBodyBytes, afterCommit: afterCommit, metrics: metrics
        ).register(on: router)
        MetricsRoutes(store: store, credentials: credentials, clock: clock, metrics: metrics).register(on: router)
        AdminRoutes(store: store, credentials: credentials, catalog: options.catalog, clock: clock).register(on: router)
        SuppressionRoutes(store: store, credentials: credentials, clock: clock).register(on: router)
        if let optOut = options.optOut { OptOutRoutes(store: store, options: optOut, clock: clock).register(on: router) }
        OutboxRoutes(store: store, credentials: credentials, clock: clock).register(on: router)
        if let reload { ReloadRoute(credentials: credentials, reload: reload).register(on: router) }
        router.get("/livez") { _, _ in JSONResponse.make(.ok, ["status": "alive"]) }
        router.get("/readyz") { [readiness] _, _ in
            guard readiness?.isReady ?? true else { return JSONResponse.make(.serviceUnavailable, ["status": "not ready"]) }
            return JSONResponse.make(.ok, ["status": "ready"])
        }
        return router
    }

    /// The application to run as a service; `onRunning` gets the bound port (useful with port 0).
    public func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            responder: current,
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "aerd", reuseAddress: true),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }
}

/// The routes in force: each request is answered by the responder installed when it arrived.
final class RoutingTable: HTTPResponder, Sendable {
    typealias Context = BasicRequestContext
    private let responder = Mutex(Router(context: BasicRequestContext.self).buildResponder())

    func install(_ new: RouterResponder<BasicRequestContext>) {
        responder.withLock { $0 = new }
    }

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let routes = responder.withLock { $0 }
        return try await routes.respond(to: request, context: context)
    }
}
