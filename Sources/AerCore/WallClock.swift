import Synchronization

/// The source of "now". Injected everywhere so tests and `aerd simulate` can drive time.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Timestamp
}

/// The operating system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millis: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}

/// A clock that moves only when told to: tests and simulations set or advance it.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Timestamp>

    /// A clock reading `start`.
    public init(_ start: Timestamp) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Sets the clock to `instant`.
    public func set(_ instant: Timestamp) { current.withLock { $0 = instant } }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: AerDuration) { current.withLock { $0 = $0 + duration } }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
