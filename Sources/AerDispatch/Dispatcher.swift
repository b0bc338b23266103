public import AerCore
public import AerMetrics
public import AerStore
public import Logging
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the dispatcher claims and paces its work.
public struct DispatchSettings: Sendable, Hashable {
    /// How long a claimed row stays this dispatcher's; another dispatcher may take it after. Default 60s.
    ///
    /// A row waits at most half the lease for its channel's rate limit, so the lease must also cover the
    /// slowest send (the plugins' `timeout`).
    public var lease: AerDuration
    /// The most rows one claim takes. Default 100.
    public var batch: Int
    /// The longest sleep between looks at the outbox when nothing wakes the dispatcher. Default 250ms.
    public var pollInterval: Duration
    /// Who holds the leases; unique per running dispatcher. Default `<hostname>-<pid>`.
    public var owner: String
    /// How long sends in flight may finish after shutdown begins; unfinished ones are cancelled and their
    /// rows released, due at once. Default 10s.
    public var shutdownGrace: Duration

    /// - Parameters:
    ///   - lease: how long a claimed row stays this dispatcher's.
    ///   - batch: the most rows one claim takes.
    ///   - pollInterval: the longest sleep between looks at the outbox.
    ///   - owner: who holds the leases.
    ///   - shutdownGrace: how long sends may finish after shutdown begins.
    public init(
        lease: AerDuration = .seconds(60), batch: Int = 100, pollInterval: Duration = .milliseconds(250),
        owner: String = DispatchSettings.defaultOwner, shutdownGrace: Duration = .seconds(10)
    ) {
        self.lease = lease
        self.batch = batch
        self.pollInterval = pollInterval
        self.owner = owner
        self.shutdownGrace = shutdownGrace
    }

    /// `<hostname>-<pid>`: unique among dispatchers sharing a database.
    public static var defaultOwner: String {
        var name = [CChar](repeating: 0, count: 256)
        let found = gethostname(&name, name.count - 1) == 0
        let host = found ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        return "\(host)-\(getpid())"
    }
}

/// What became of one claimed row.
public struct DispatchRecord: Sendable, Hashable {
    /// The outbox row.
    public var id: Int64
    /// Its channel.
    public var channel: String
    /// The attempt this was (1 for the first).
    public var attempt: Int
    /// The outcome, or nil when shutdown interrupted the send and the row was left for the lease release.
    public var outcome: OutboxOutcome?
    /// Whether the outcome was written; false when another dispatcher had taken the row over (this one's
    /// lease had run out) or the write failed.
    public var recorded: Bool

    /// - Parameters:
    ///   - id: the outbox row.
    ///   - channel: its channel.
    ///   - attempt: the attempt.
    ///   - outcome: the outcome, if there is one.
    ///   - recorded: whether it was written.
    public init(id: Int64, channel: String, attempt: Int, outcome: OutboxOutcome?, recorded: Bool) {
        self.id = id
        self.channel = channel
        self.attempt = attempt
        self.outcome = outcome
        self.recorded = recorded
    }
}

/// Sends what the outbox holds: claims due rows under a lease, asks the gate, delivers through the channel's
/// plugin and records the outcome, retrying with backoff and dead-lettering what cannot be sent.
///
/// Per channel, at most `concurrency` rows are in hand at once (claimed, and not yet finished) and sends keep
/// to the `rate_limit`; the loop claims only what its channels have room for, so a slow channel does not hold
/// rows of the others, and no claimed row outlives its lease waiting. Rows of channels that are not configured,
/// or that an endpoint disabled (HTTP 410), go dead with the reason.
///
/// The dispatcher does not own the channels: whoever built them shuts them down after it stops.
public struct Dispatcher: Service {
    let store: any OutboxStore
    let channels: [String: ConfiguredChannel]
    let gate: any DeliveryGate
    let clock: any WallClock
    let logger: Logger
    let settings: DispatchSettings
    let wakeup: Wakeup
    let random: @Sendable (ClosedRange<Int64>) -> Int64
    let metrics: DaemonMetrics
    let progress: @Sendable () -> Void
    let state: DispatchState

    /// - Parameters:
    ///   - store: the outbox.
    ///   - channels: the configured channels, by id.
    ///   - gate: the policy pipeline, asked before every send.
    ///   - clock: the wall clock for due instants, leases and retries.
    ///   - logger: where each outcome is logged (never a message body or a secret).
    ///   - settings: lease, batch, polling and shutdown grace.
    ///   - wakeup: signalled by whoever writes outbox rows so they go out at once; the dispatcher signals it
    ///     too when a send finishes. Not to be shared with another service's loop.
    ///   - random: picks a number in a range, for the backoff's jitter; `Int64.random(in:)` by default.
    ///   - metrics: where outcomes and delivery times are recorded.
    ///   - progress: called once per loop iteration (at least every `pollInterval` while the loop is healthy),
    ///     for the systemd watchdog.
    public init(
        store: any OutboxStore, channels: [String: ConfiguredChannel], gate: any DeliveryGate, clock: any WallClock,
        logger: Logger, settings: DispatchSettings = DispatchSettings(), wakeup: Wakeup = Wakeup(),
        random: @escaping @Sendable (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) },
        metrics: DaemonMetrics = DaemonMetrics(), progress: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.channels = channels
        self.gate = gate
        self.clock = clock
        self.logger = logger
        self.settings = settings
        self.wakeup = wakeup
        self.random = random
        self.metrics = metrics
        self.progress = progress
        self.state = DispatchState(channels: channels)
    }

    /// Channels disabled since start (an endpoint answered that it is gone), with the reason.
    public var disabledChannels: [String: String] { state.disabled }

    /// Runs until graceful shutdown: then claims nothing more, lets sends in flight finish for up to
    /// `shutdownGrace`, cancels the rest and releases every lease it holds, so the rows are due again at once.
    public func run() async throws {
        logger.info("dispatcher started", metadata: [
            "owner": "\(settings.owner)", "channels": "\(channels.keys.sorted().joined(separator: ","))",
        ])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { sends in
                await loop(&sends)
                await drain()
                sends.cancelAll()
            }
        } onGracefulShutdown: {
            state.stop()
            wakeup.signal()
        }
        await releaseLeases()
        logger.info("dispatcher stopped", metadata: ["owner": "\(settings.owner)"])
    }

    /// One round, without the loop: claims the rows that are due and that the channels have room for, sends
    /// them and returns when every one of them has its outcome. For tools and tests that drive time themselves.
    /// - Returns: what became of each claimed row.
    /// - Throws: the store's error when the claim fails.
    @discardableResult
    public func dispatchDue() async throws -> [DispatchRecord] {
        let tickets = try await claim()
        return await withTaskGroup(of: DispatchRecord.self) { group in
            for ticket in tickets {
                group.addTask { await handle(ticket) }
            }
            var records: [DispatchRecord] = []
            for await record in group { records.append(record) }
            return records.sorted { $0.id < $1.id }
        }
    }

    private func loop(_ sends: inout DiscardingTaskGroup) async {
        var failures = 0
        while !state.isStopping && !Task.isCancelled {
            var sleep = settings.pollInterval
            do {
                for ticket in try await claim() {
                    sends.addTask { _ = await handle(ticket) }
                }
                failures = 0
                let now = clock.now()
                if let next = try await store.nextDue(), next > now {
                    sleep = min(sleep, .milliseconds(next.millis - now.millis))
                }
            } catch {
                failures += 1
                sleep = min(settings.pollInterval * (1 << min(failures, 7)), .seconds(30))
                logger.error("dispatcher cannot read the outbox: \(error); trying again in \(sleep)")
            }
            progress()
            await wakeup.wait(timeout: sleep)
        }
    }

    /// Waits for the sends in flight, for up to `shutdownGrace`.
    private func drain() async {
        let deadline = ContinuousClock.now + settings.shutdownGrace
        while state.inFlight > 0 && !Task.isCancelled {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                logger.warning("dispatcher shutdown: \(state.inFlight) sends still running after \(settings.shutdownGrace) are cancelled; their messages are due again at once")
                return
            }
            await wakeup.wait(timeout: left)
        }
    }

    /// Hands every row still claimed back to the outbox, due now, without counting the interrupted attempt.
    private func releaseLeases() async {
        let (store, owner, now) = (store, settings.owner, clock.now())
        // Its own task: a cancelled run must still give its rows back.
        let release = Task { try await store.releaseLeases(owner: owner, now: now) }
        do {
            try await release.value
        } catch {
            logger.error("dispatcher could not release its leases: \(error); its rows are due again when the lease (\(settings.lease)) runs out")
        }
    }

    /// Claims what the channels have room for and takes it in hand.
    private func claim() async throws -> [DispatchState.Ticket] {
        guard !state.isStopping else { return [] }
        let now = clock.now()
        guard let due = try await store.nextDue(), due <= now else { return [] }
        let horizon = Duration.milliseconds(settings.lease.millis / 2)
        let entries = try await store.claimDue(
            now: now, owner: settings.owner, lease: settings.lease, quotas: state.quotas(batch: settings.batch, horizon: horizon))
        let (tickets, alreadyHeld) = state.admit(entries)
        for entry in alreadyHeld {
            logger.warning(
                "outbox row \(entry.id) was due again while its send was still running: the send took longer than the lease (\(settings.lease)); raise the lease above the channel's timeout",
                metadata: ["outbox_id": "\(entry.id)", "channel": "\(entry.channel)"])
        }
        return tickets
    }

    private func handle(_ ticket: DispatchState.Ticket) async -> DispatchRecord {
        let record = await process(ticket)
        state.release(ticket)
        wakeup.signal()
        return record
    }
}
