import AerAutomation
import AerConfig
import AerCore
import AerDispatch
import AerEngine
import AerMetrics
import AerServer
import AerStore
import AerSystemd
import AerValuation
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `aerd run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the daemon: ingest, segments, automation and the admin API.")

    @OptionGroup var options: ConfigOptions

    @OptionGroup var logging: LogOptions

    @Option(name: .long, help: ArgumentHelp("State directory (overrides state_dir in aerd.yaml).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("Address to listen on, HOST:PORT (overrides server.listen; port 0 picks a free one).", valueName: "host:port"))
    var listen: String?

    func validate() throws {
        if let listen, Endpoint(parsing: listen) == nil {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT, e.g. 127.0.0.1:8088 or [::1]:8088")
        }
    }

    func run() async throws {
        let configuration = try options.load()
        try logging.bootstrap(configuration.log)
        let logger = Logger(label: "aerd")
        let environment = ProcessInfo.processInfo.environment
        let first: Generation
        switch await Generation.build(configuration, logger: logger) {
        case .success(let generation): first = generation
        case .failure(let errors):
            printError(errors.description)
            throw SysExit.config
        }
        let endpoint = listen.flatMap(Endpoint.init(parsing:))
            ?? Endpoint(host: configuration.server.listen.host, port: configuration.server.listen.port)
        let storePath = configuration.storePath(stateDirectory: state)

        let clock = SystemWallClock()
        let metrics = DaemonMetrics()
        metrics.configLoaded(successful: true, fingerprint: configuration.fingerprint, at: clock.now())
        let store: SQLiteStore
        do {
            store = try SQLiteStore(
                path: storePath, clock: clock, busyTimeout: Double(configuration.store.busyTimeout.millis) / 1000)
        } catch {
            logger.critical("\(error)")
            await ChannelRegistry.shutdown(first.channels)
            throw SysExit.failure
        }
        let notifier = SystemdNotifier(environment: environment)
        let readiness = Readiness()
        let engineBeat = Heartbeat(name: "engine")
        let dispatcherBeat = Heartbeat(name: "dispatcher")
        // READY=1 once both the listener is bound and the engine has rebuilt its state.
        let pendingStarts = Mutex(2)
        let summary = configuration.summary
        let started: @Sendable () -> Void = {
            let remaining = pendingStarts.withLock { count -> Int in
                count -= 1
                return count
            }
            guard remaining == 0 else { return }
            readiness.markStarted()
            notifier?.send("READY=1\nSTATUS=serving: \(summary)")
        }
        let wakeup = Wakeup()
        let dispatchWakeup = Wakeup()
        let services: @Sendable (Generation, @escaping @Sendable () -> Void) -> [any Service] = { generation, started in
            let automation = Automation(catalog: generation.assembly.catalog, store: store, renderer: generation.assembly.renderer)
            let segmentation = SegmentationService(
                store: store, rules: generation.assembly.rules, clock: clock, wakeup: wakeup, logger: logger, planner: automation,
                observer: .init(started: started, iteration: {
                    engineBeat.beat()
                    dispatchWakeup.signal()
                }, progress: { engineBeat.beat() }), metrics: metrics)
            let dispatcher = Dispatcher(
                store: store, channels: generation.channels,
                gate: generation.assembly.policies(store: store, channels: generation.channels), clock: clock, logger: logger,
                settings: DispatchSettings(shutdownGrace: .milliseconds(generation.configuration.server.shutdownGrace.millis)),
                wakeup: dispatchWakeup, metrics: metrics, progress: { dispatcherBeat.beat() })
            let configuration = generation.configuration
            guard let interval = configuration.analytics?.refit else { return [dispatcher, segmentation] }
            let refit = RefitService(
                store: store, refit: ModelRefit(settings: .init(configuration.analytics), lifecycles: configuration.lifecycles),
                interval: interval, clock: clock, logger: logger, fitted: { _ in wakeup.signal() })
            return [dispatcher, segmentation, refit]
        }
        let pipeline = Pipeline(services: services(first, started), logger: logger)
        let reloading = Mutex<ConfigurationReload?>(nil)
        let server = APIServer(
            options: first.serverOptions(at: endpoint), store: store, clock: clock, afterCommit: { wakeup.signal() },
            readiness: readiness,
            reload: { actor in
                guard let reload = reloading.withLock({ $0 }) else {
                    return ReloadReport(successful: false, fingerprint: configuration.fingerprint, summary: summary, errors: ["aerd is still starting; try again"])
                }
                return await reload.request(actor: actor)
            }, metrics: metrics)
        let reload = ConfigurationReload(
            serving: first,
            context: .init(
                directory: options.config, started: configuration, endpoint: endpoint, listenOverridden: listen != nil, stateOverridden: state != nil,
                server: server, pipeline: pipeline, store: store, clock: clock, notifier: notifier, logger: logger, metrics: metrics,
                services: services))
        reloading.withLock { $0 = reload }
        let application = server.application(logger: logger) { port in
            logger.info("aerd listening on http://\(endpoint.hostForURL):\(port)", metadata: ["config": "\(summary)", "store": "\(storePath)"])
            started()
        }
        var group: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: pipeline), .init(service: application), .init(service: HangupListener(reload: reload)),
        ]
        if let watchdog = WatchdogService(notifier: notifier, environment: environment, processId: getpid(), heartbeats: [engineBeat, dispatcherBeat]) {
            group.append(.init(service: watchdog))
        }
        group.append(.init(service: ShutdownAnnouncer {
            pipeline.refuseSwaps()
            readiness.markDraining()
            notifier?.send("STOPPING=1\nSTATUS=draining")
        }))
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: group, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await serviceGroup.run()
        } catch {
            logger.critical("aerd stopped: \(error)")
            await ChannelRegistry.shutdown(reload.channels)
            try? await store.close()
            throw SysExit.failure
        }
        await ChannelRegistry.shutdown(reload.channels)
        try await store.close()
        logger.info("aerd stopped")
    }
}

/// Runs `announce` the moment graceful shutdown begins (readiness off, `STOPPING=1`).
struct ShutdownAnnouncer: Service {
    let announce: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        announce()
    }
}

/// A listen address from the command line; unlike the config file it accepts port 0.
struct Endpoint {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(parsing text: String) {
        if text.hasSuffix(":0"), let address = ListenAddress(parsing: String(text.dropLast(2)) + ":1") {
            self.init(host: address.host, port: 0)
        } else if let address = ListenAddress(parsing: text) {
            self.init(host: address.host, port: address.port)
        } else {
            return nil
        }
    }

    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }
}
