import Synchronization
public import ServiceLifecycle

/// A loop's proof of life: it beats once per iteration; the watchdog only pets systemd while every
/// loop has beaten recently, so a stuck loop lets systemd's watchdog fire.
public final class Heartbeat: Sendable {
    public let name: String
    private let last = Mutex<ContinuousClock.Instant>(ContinuousClock.now)

    public init(name: String) { self.name = name }

    /// Records progress now.
    public func beat() { last.withLock { $0 = ContinuousClock.now } }

    /// Time since the last beat.
    public var age: Duration { ContinuousClock.now - last.withLock { $0 } }
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
                // A loop that has not beaten within two intervals is stuck (loops beat at least every second).
                if heartbeats.allSatisfy({ $0.age < interval * 2 }) { notifier.send("WATCHDOG=1") }
                try await Task.sleep(for: interval)
            }
        }
    }
}
