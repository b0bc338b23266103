public import AerCore
public import AerStore
public import Hummingbird
public import Logging

/// The HTTP listener shared by the ingest API, the admin API and the health endpoints.
public struct APIServer: Sendable {
    public let options: ServerOptions
    private let store: any Store
    private let clock: any WallClock
    private let afterCommit: @Sendable () -> Void

    /// - Parameters:
    ///   - options: address, limits and credentials.
    ///   - store: where events go and profiles come from.
    ///   - clock: stamps `receivedAt`.
    ///   - afterCommit: called after each ingest commit (wakes the engine).
    public init(options: ServerOptions, store: any Store, clock: any WallClock, afterCommit: @escaping @Sendable () -> Void = {}) {
        self.options = options
        self.store = store
        self.clock = clock
        self.afterCommit = afterCommit
    }

    /// The routes, for tests against the router and for the application.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let credentials = Credentials(options: options)
        IngestRoutes(log: store, clock: clock, credentials: credentials, maxBodyBytes: options.maxBodyBytes, afterCommit: afterCommit)
            .register(on: router)
        AdminRoutes(store: store, credentials: credentials, catalog: options.catalog, clock: clock).register(on: router)
        OutboxRoutes(store: store, credentials: credentials, clock: clock).register(on: router)
        router.get("/livez") { _, _ in JSONResponse.make(.ok, ["status": "alive"]) }
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
