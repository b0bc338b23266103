import AerAnalytics
public import AerCore
public import AerStore
public import Logging
public import ServiceLifecycle

/// Refits the customer-value models on a schedule: at start when there is no fit or the latest is older than
/// the interval, then every interval. A failed fit is logged and retried an interval later; the previous fit
/// stays in use meanwhile.
public struct RefitService: Service {
    private let store: any Store
    private let refit: ModelRefit
    private let interval: AerDuration
    private let clock: any WallClock
    private let logger: Logger
    private let wakeup: Wakeup
    private let fitted: @Sendable (ModelFit) -> Void

    /// The longest the service sleeps before looking at the clock again, so a clock that jumps is noticed.
    static let longestSleep = Duration.seconds(60)

    /// - Parameters:
    ///   - store: Where purchases are read and fits recorded.
    ///   - refit: The fit to run.
    ///   - interval: Time between fits (`analytics.refit`).
    ///   - clock: The wall clock.
    ///   - logger: Where fits and failures are reported.
    ///   - wakeup: Signal it to make the service look at the clock at once (after the clock was set).
    ///   - fitted: Called after each recorded fit (the engine is woken to adopt it).
    public init(
        store: any Store, refit: ModelRefit, interval: AerDuration, clock: any WallClock, logger: Logger,
        wakeup: Wakeup = Wakeup(), fitted: @escaping @Sendable (ModelFit) -> Void = { _ in }
    ) {
        self.store = store
        self.refit = refit
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.wakeup = wakeup
        self.fitted = fitted
    }

    /// When the next fit is due: an interval after the later of the latest fit and the last attempt; at once
    /// when there has been neither.
    static func due(latestFit: Timestamp?, lastAttempt: Timestamp?, interval: AerDuration) -> Timestamp? {
        guard let base = [latestFit, lastAttempt].compactMap({ $0 }).max() else { return nil }
        return base + interval
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            var lastAttempt: Timestamp?
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let now = clock.now()
                let latest: Timestamp?
                do {
                    latest = try await store.latestModelFit()?.fittedAt
                } catch {
                    logger.error("model refit cannot read the latest fit: \(error)")
                    latest = nil
                }
                let due = Self.due(latestFit: latest, lastAttempt: lastAttempt, interval: interval)
                if let due, due > now {
                    await wakeup.wait(timeout: min(.milliseconds(due.millis - now.millis), Self.longestSleep))
                    continue
                }
                lastAttempt = now
                await fit(now: now)
            }
        } onGracefulShutdown: {
            wakeup.signal()
        }
    }

    private func fit(now: Timestamp) async {
        do {
            let outcome = try await refit.run(store: store, now: now)
            let fit = outcome.fit
            let purchases = fit.valuation.purchases
            let spend = fit.valuation.spend
            logger.info("customer-value models refitted", metadata: [
                "fit": "\(fit.id)", "customers": "\(purchases.customers)", "repeat_buyers": "\(spend.customers)",
                "purchases": "\(fit.purchases)", "r": "\(purchases.r)", "alpha": "\(purchases.alpha)", "a": "\(purchases.a)",
                "b": "\(purchases.b)", "p": "\(spend.p)", "q": "\(spend.q)", "gamma": "\(spend.gamma)",
            ])
            for (set, reason) in outcome.unvaluedSets.sorted(by: { $0.key < $1.key }) {
                logger.warning("lifecycle set '\(set)' has no stage values in fit \(fit.id), its migrations carry no value at stake: \(reason)")
            }
            fitted(fit)
        } catch let error as AnalyticsError where error.code == .tooFewCustomers {
            // A young shop: not a fault, just not enough purchases yet.
            logger.notice("customer-value models not fitted yet, next attempt in \(interval): \(error)")
        } catch {
            logger.error("customer-value refit failed, keeping the previous parameters; next attempt in \(interval): \(error)")
        }
    }
}
