import AerAutomation
import AerConfig
import AerCore
import AerDispatch
import AerEngine
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
        let assembly = try Assembly(configuration)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["AERD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        let logger = Logger(label: "aerd")
        let endpoint = listen.flatMap(Endpoint.init(parsing:))
            ?? Endpoint(host: configuration.server.listen.host, port: configuration.server.listen.port)
        let storePath = configuration.storePath(stateDirectory: state)

        let clock = SystemWallClock()
        let store: SQLiteStore
        do {
            store = try SQLiteStore(
                path: storePath, clock: clock, busyTimeout: Double(configuration.store.busyTimeout.millis) / 1000)
        } catch {
            logger.critical("\(error)")
            throw SysExit.failure
        }
        let environment = ProcessInfo.processInfo.environment
        let notifier = SystemdNotifier(environment: environment)
        let readiness = Readiness()
        let engineBeat = Heartbeat(name: "engine")
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
        let channels = try await assembly.channels(logger: logger)
        let dispatchWakeup = Wakeup()
        let automation = Automation(catalog: assembly.catalog, store: store, renderer: assembly.renderer)
        let segmentation = SegmentationService(
            store: store, rules: assembly.rules, clock: clock, wakeup: wakeup, logger: logger, planner: automation,
            observer: .init(started: started, iteration: {
                engineBeat.beat()
                dispatchWakeup.signal()
            }))
        let dispatcher = Dispatcher(
            store: store, channels: channels, gate: assembly.policies(store: store, channels: channels), clock: clock, logger: logger, wakeup: dispatchWakeup)
        let server = APIServer(
            options: ServerOptions(
                host: endpoint.host, port: endpoint.port, maxBodyBytes: configuration.server.maxBodyBytes,
                adminToken: configuration.server.adminToken,
                writeKeys: configuration.ingest.writeKeys.map { ServerOptions.WriteKey(source: $0.source, key: $0.key) },
                catalog: configuration.catalog,
                optOut: configuration.optOut.map {
                    ServerOptions.OptOut(secret: $0.secret, smsAuthToken: $0.smsAuthToken, smsInboundURL: $0.smsInboundURL)
                }),
            store: store, clock: clock, afterCommit: { wakeup.signal() }, readiness: readiness)
        let application = server.application(logger: logger) { port in
            logger.info("aerd listening on http://\(endpoint.hostForURL):\(port)", metadata: ["config": "\(summary)", "store": "\(storePath)"])
            started()
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: dispatcher), .init(service: segmentation), .init(service: application),
        ]
        if let interval = configuration.analytics?.refit {
            services.append(.init(service: RefitService(
                store: store, refit: ModelRefit(settings: .init(configuration.analytics), lifecycles: configuration.lifecycles), interval: interval, clock: clock,
                logger: logger, fitted: { _ in wakeup.signal() })))
        }
        if let watchdog = WatchdogService(notifier: notifier, environment: environment, processId: getpid(), heartbeats: [engineBeat]) {
            services.append(.init(service: watchdog))
        }
        services.append(.init(service: ShutdownAnnouncer {
            readiness.markDraining()
            notifier?.send("STOPPING=1\nSTATUS=draining")
        }))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("aerd stopped: \(error)")
            await ChannelRegistry.shutdown(channels)
            try? await store.close()
            throw SysExit.failure
        }
        await ChannelRegistry.shutdown(channels)
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
