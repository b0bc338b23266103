import Synchronization

/// Whether the daemon should receive traffic: `GET /readyz` answers 503 until the engine has started
/// (configuration loaded, store open, state rebuilt) and again once it starts draining for shutdown.
public final class Readiness: Sendable {
    private let state = Mutex((started: false, draining: false))

    public init() {}

    /// The daemon is up.
    public func markStarted() { state.withLock { $0.started = true } }

    /// The daemon is shutting down.
    public func markDraining() { state.withLock { $0.draining = true } }

    /// Ready for traffic.
    public var isReady: Bool { state.withLock { $0.started && !$0.draining } }
}
