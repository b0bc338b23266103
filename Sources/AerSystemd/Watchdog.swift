import Synchronization
public import ServiceLifecycle

/// A loop's proof of life: it beats once per iteration; the watchdog only pets systemd while every
/// loop has beaten recently, so a stuck loop lets systemd's watchdog fire.
public final class Heartbeat: Sendable {
    public let name: String
    private let now: @Sendable () -> ContinuousClock.Instant
    private let last: Mutex<ContinuousClock.Instant>

    /// - Parameters:
    ///   - name: the loop's name.
    ///   - now: the monotonic time; tests pass their own.
    public init(name: String, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.name = name
        self.now = now
        last = Mutex(now())
    }

    /// Records progress now.
    public func beat() { last.withLock { $0 = now() } }

    /// Time since the last beat.
    public var age: Duration { now() - last.withLock { $0 } }
}

/// Sends `WATCHDOG=1` at half of `$WATCHDOG_USEC` while all heartbeats are fresh.
public struct WatchdogService: Service {
    private let notifier: SystemdNotifier
    private let interval: Duration
    private let heartbeats: [Heartbeat]

    /// nil unless systemd asked for a watchdog (`WATCHDOG_USEC`, and `WATCHDOG_PID` unset or ours).
    public init?(notifier: SystemdNotifier?, environment: [String: String], processId: Int32, heartbeats: [Heartbeat]) {
        guard let notifier, let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], Int32(pid) != processId { return nil }
        self.notifier = notifier
        interval = .microseconds(Int64(usec / 2))
        self.heartbeats = heartbeats
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                petIfAlive()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Sends `WATCHDOG=1` when every loop has beaten within two intervals (loops beat at least every second);
    /// a stuck loop gets no pet, so systemd's watchdog fires.
    /// - Returns: whether it sent.
    @discardableResult
    public func petIfAlive() -> Bool {
        guard heartbeats.allSatisfy({ $0.age < interval * 2 }) else { return false }
        return notifier.send("WATCHDOG=1")
    }
}
