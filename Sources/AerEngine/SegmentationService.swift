public import AerCore
public import AerMetrics
public import AerStore
public import Logging
public import ServiceLifecycle

/// The engine as a long-running service: follows the event log and the timer index on the wall clock.
public struct SegmentationService: Service {
    private let store: any Store
    private let rules: RuleSet
    private let clock: any WallClock
    private let wakeup: Wakeup
    private let logger: Logger
    private let planner: (any StepPlanner)?
    /// Longest sleep between looks at the log, for writers in other processes (`aerd import`).
    private let pollInterval: Duration
    private let observer: Observer
    private let metrics: DaemonMetrics

    /// Progress callbacks, for readiness and the systemd watchdog.
    public struct Observer: Sendable {
        /// State rebuilt and memberships restored: the engine is serving.
        public var started: @Sendable () -> Void
        /// One loop iteration committed (the engine is making progress; new outbox rows may be due).
        public var iteration: @Sendable () -> Void
        /// Long work advanced by one page: the log replayed while the state is rebuilt, or customers
        /// re-evaluated after a rules or model change (the watchdog must see that it moves).
        public var progress: @Sendable () -> Void

        public init(
            started: @escaping @Sendable () -> Void = {}, iteration: @escaping @Sendable () -> Void = {},
            progress: @escaping @Sendable () -> Void = {}
        ) {
            self.started = started
            self.iteration = iteration
            self.progress = progress
        }
    }

    /// - Parameters:
    ///   - wakeup: signalled by the ingest path after each commit.
    ///   - metrics: where committed migrations are counted.
    public init(store: any Store, rules: RuleSet, clock: any WallClock, wakeup: Wakeup, logger: Logger,
                pollInterval: Duration = .milliseconds(500), planner: (any StepPlanner)? = nil, observer: Observer = Observer(),
                metrics: DaemonMetrics = DaemonMetrics()) {
        self.metrics = metrics
        self.planner = planner
        self.observer = observer
        self.store = store
        self.rules = rules
        self.clock = clock
        self.wakeup = wakeup
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        var runner = SegmentationRunner(store: store, rules: rules)
        runner.planner = planner
        let changed = try await runner.start(now: clock.now(), progress: observer.progress)
        metrics.migrated(changed)
        logger.info("segmentation engine started", metadata: [
            "profiles": "\(runner.engine.profileCount)", "cursor": "\(runner.cursor)", "config_migrations": "\(changed.count)",
        ])
        observer.started()
        try await withGracefulShutdownHandler {
            try await loop(&runner)
        } onGracefulShutdown: {
            wakeup.signal()
        }
    }

    private func loop(_ runner: inout SegmentationRunner) async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now()
            try await runner.forgetErased()
            try await runner.resolveWaits(now: now)
            let refitted = try await runner.refreshModel(now: now, progress: observer.progress)
            let fired = try await runner.fireTimers(until: now)
            let (migrations, read) = try await runner.processEvents(clock: now, now: { _ in now })
            for migration in refitted + fired + migrations {
                logger.debug("migration", metadata: [
                    "profile": "\(migration.profileId)", "set": "\(migration.set)", "from": "\(migration.from ?? "-")",
                    "to": "\(migration.to ?? "-")", "cause": "\(migration.cause)",
                ])
            }
            metrics.migrated(refitted + fired + migrations)
            // After the step's commit: heartbeat, and the dispatcher learns of new outbox rows at once.
            observer.iteration()
            if read == runner.batchSize { continue }
            var sleep = pollInterval
            if let next = try await store.nextTimer() {
                let untilDue = Duration.milliseconds(max(0, next.millis - clock.now().millis))
                sleep = min(sleep, untilDue)
            }
            await wakeup.wait(timeout: sleep)
        }
    }
}
