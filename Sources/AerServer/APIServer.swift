public import AerCore
public import AerMetrics
public import AerStore
public import Hummingbird
public import Logging

/// The HTTP listener shared by the ingest API, the admin API and the health endpoints.
public struct APIServer: Sendable {
    public let options: ServerOptions
    private let store: any Store
    private let clock: any WallClock
    private let afterCommit: @Sendable () -> Void
    private let readiness: Readiness?
    private let metrics: DaemonMetrics

    /// - Parameters:
    ///   - options: address, limits and credentials.
    ///   - store: where events go and profiles come from.
    ///   - clock: stamps `receivedAt`.
    ///   - afterCommit: called after each ingest commit (wakes the engine).
    ///   - readiness: what `/readyz` reports; nil means ready whenever the server runs.
    ///   - metrics: where ingest is counted and what `GET /metrics` shows.
    public init(options: ServerOptions, store: any Store, clock: any WallClock, afterCommit: @escaping @Sendable () -> Void = {},
                readiness: Readiness? = nil, metrics: DaemonMetrics = DaemonMetrics()) {
        self.readiness = readiness
        self.metrics = metrics
        self.options = options
        self.store = store
        self.clock = clock
        self.afterCommit = afterCommit
    }

    /// The routes, for tests against the router and for the application.
    public func router() -> Router<BasicRequestContext> {
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
            router: router(),
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "aerd", reuseAddress: true),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }
}
