import AerConfig
import AerCore
import AerDispatch
import AerMetrics
import AerServer
import AerStore
import AerSystemd
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Reloads the configuration while the daemon runs (SIGHUP, `POST /-/reload`).
///
/// Reads and validates the whole directory off to the side, builds its templates and channels, and only when
/// everything is right swaps it in: the HTTP routes at once, then the engine and dispatcher (in-flight sends
/// finish under the old configuration; the engine recomputes memberships with cause `config`). On any error
/// the old configuration keeps serving and every problem is logged with its file, line and column. Requests
/// that arrive during a reload share the one reload that follows it.
final class ConfigurationReload: Sendable {
    /// What a reload needs from the daemon around it.
    struct Context: Sendable {
        var directory: String
        /// The configuration the process started with: what `server.listen`, `state_dir`, `store` and `log`
        /// still come from, whatever reloads happened since.
        var started: AerConfiguration
        var endpoint: Endpoint
        var listenOverridden: Bool
        var stateOverridden: Bool
        var server: APIServer
        var pipeline: Pipeline
        var store: any Store
        var clock: any WallClock
        var notifier: SystemdNotifier?
        var logger: Logger
        var metrics: DaemonMetrics
        /// The engine and dispatcher of a generation; `started` runs when its engine serves.
        var services: @Sendable (Generation, _ started: @escaping @Sendable () -> Void) -> [any Service]
    }

    private let context: Context
    private let serving: Mutex<Generation>
    private let coalescer: Mutex<Coalescer<String, ReloadReport>?> = Mutex(nil)

    init(serving: Generation, context: Context) {
        self.context = context
        self.serving = Mutex(serving)
    }

    /// Reloads once more after any reload under way; `actor` names who asked (admin token id, `SIGHUP`).
    func request(actor: String) async -> ReloadReport {
        let coalescer = coalescer.withLock { current in
            if let current { return current }
            let made = Coalescer<String, ReloadReport> { [self] actors in await perform(actors) }
            current = made
            return made
        }
        return await coalescer.request(actor)
    }

    /// The channels of the configuration serving now, for their shutdown when the daemon stops.
    var channels: [String: ConfiguredChannel] { serving.withLock { $0.channels } }

    private func perform(_ actors: [String]) async -> ReloadReport {
        let (notifier, logger) = (context.notifier, context.logger)
        let old = serving.withLock { $0 }
        notifier?.send("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())\nSTATUS=reloading configuration")
        logger.info("reloading configuration", metadata: ["config": "\(context.directory)", "requested_by": "\(actors.joined(separator: ","))"])
        let report: ReloadReport
        switch await Generation.load(directory: context.directory, environment: ProcessInfo.processInfo.environment, logger: logger) {
        case .failure(let errors):
            for line in errors.lines { logger.error("configuration reload refused: \(line)") }
            logger.error("configuration reload failed with \(errors.lines.count) problem(s); the previous configuration keeps serving",
                         metadata: ["fingerprint": "\(old.configuration.fingerprint)"])
            report = ReloadReport(successful: false, fingerprint: old.configuration.fingerprint, summary: old.configuration.summary, errors: errors.lines)
            notifier?.send("READY=1\nSTATUS=serving: \(old.configuration.summary) (last reload failed, see the log)")
        case .success(let new):
            let summary = new.configuration.summary
            let swapped = await context.pipeline.replace(with: context.services(new) {
                notifier?.send("READY=1\nSTATUS=serving: \(summary)")
            })
            if swapped {
                context.server.reconfigure(new.serverOptions(at: context.endpoint))
                serving.withLock { $0 = new }
                await ChannelRegistry.shutdown(old.channels)
                let restart = new.restartOnlyChanges(
                    from: context.started, listenOverridden: context.listenOverridden, stateOverridden: context.stateOverridden)
                for change in restart { logger.warning("configuration reload: \(change)") }
                logger.info("configuration reloaded", metadata: ["config": "\(summary)", "fingerprint": "\(new.configuration.fingerprint)"])
                report = ReloadReport(successful: true, fingerprint: new.configuration.fingerprint, summary: summary, needsRestart: restart)
            } else {
                await ChannelRegistry.shutdown(new.channels)
                logger.notice("configuration reload abandoned: aerd is stopping")
                report = ReloadReport(
                    successful: false, fingerprint: old.configuration.fingerprint, summary: old.configuration.summary,
                    errors: ["aerd is stopping; the reload was abandoned"])
            }
        }
        context.metrics.configLoaded(successful: report.successful, fingerprint: report.fingerprint, at: context.clock.now())
        let detail = report.successful
            ? "configuration \(report.fingerprint.prefix(12)) loaded"
            : "configuration reload refused (\(report.errors.count) problem(s)); \(report.fingerprint.prefix(12)) still serving"
        for actor in Set(actors).sorted() {
            do {
                try await context.store.audit(actor: actor, action: "reload", detail: detail, now: context.clock.now())
            } catch {
                logger.error("could not write the reload to the audit log: \(error)")
            }
        }
        return report
    }
}

/// Turns each SIGHUP into a configuration reload; a burst of signals during a reload makes one more reload.
struct HangupListener: Service {
    let reload: ConfigurationReload

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await withDiscardingTaskGroup { reloads in
            for await _ in signals.cancelOnGracefulShutdown() {
                reloads.addTask { _ = await reload.request(actor: "SIGHUP") }
            }
        }
    }
}
