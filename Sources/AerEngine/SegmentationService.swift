public import AerCore
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
    /// Longest sleep between looks at the log, for writers in other processes (`aerd import`).
    private let pollInterval: Duration

    /// - Parameters:
    ///   - wakeup: signalled by the ingest path after each commit.
    public init(store: any Store, rules: RuleSet, clock: any WallClock, wakeup: Wakeup, logger: Logger,
                pollInterval: Duration = .milliseconds(500)) {
        self.store = store
        self.rules = rules
        self.clock = clock
        self.wakeup = wakeup
        self.logger = logger
        self.pollInterval = pollInterval
    }

    public func run() async throws {
        var runner = SegmentationRunner(store: store, rules: rules)
        let changed = try await runner.start(now: clock.now())
        logger.info("segmentation engine started", metadata: [
            "profiles": "\(runner.engine.profileCount)", "cursor": "\(runner.cursor)", "config_migrations": "\(changed.count)",
        ])
        try await withGracefulShutdownHandler {
            try await loop(&runner)
        } onGracefulShutdown: {
            wakeup.signal()
        }
    }

    private func loop(_ runner: inout SegmentationRunner) async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now()
            let fired = try await runner.fireTimers(until: now)
            let (migrations, read) = try await runner.processEvents(clock: now, now: { _ in now })
            for migration in fired + migrations {
                logger.debug("migration", metadata: [
                    "profile": "\(migration.profileId)", "set": "\(migration.set)", "from": "\(migration.from ?? "-")",
                    "to": "\(migration.to ?? "-")", "cause": "\(migration.cause)",
                ])
            }
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
