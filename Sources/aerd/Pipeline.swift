import Logging
import ServiceLifecycle
import Synchronization

/// Runs the services of the serving configuration (the engine and the dispatcher) as one group, and swaps
/// them for a new configuration's on reload: the old group shuts down gracefully first (sends in flight finish
/// under the old configuration, leases are released, the engine commits its step), then the new one starts.
///
/// When the serving group fails, the pipeline fails with its error, which stops the daemon.
struct Pipeline: Service {
    private enum Control: Sendable {
        case swap([any Service], CheckedContinuation<Bool, Never>)
        case ended(generation: Int, Result<Void, any Error>)
        case shutdown
    }

    private let first: [any Service]
    private let logger: Logger
    private let controls: AsyncStream<Control>
    private let post: AsyncStream<Control>.Continuation
    private let refusing = Refusal()

    /// Whether swaps are refused (the daemon is stopping).
    private final class Refusal: Sendable {
        private let state = Mutex(false)
        func refuse() { state.withLock { $0 = true } }
        var isSet: Bool { state.withLock { $0 } }
    }

    /// - Parameters:
    ///   - services: the first configuration's services.
    ///   - logger: for the groups' own lifecycle messages.
    init(services: [any Service], logger: Logger) {
        first = services
        self.logger = logger
        (controls, post) = AsyncStream.makeStream(of: Control.self)
    }

    /// Stops the serving services gracefully and starts `services` in their place.
    /// - Returns: true once they started; false when the daemon is stopping and nothing was swapped.
    func replace(with services: [any Service]) async -> Bool {
        guard !refusing.isSet else { return false }
        return await withCheckedContinuation { done in
            if case .terminated = post.yield(.swap(services, done)) { done.resume(returning: false) }
        }
    }

    /// Refuses every later swap: called the moment the daemon starts stopping, so a reload under way
    /// does not start a new engine that shutdown would have to wait for.
    func refuseSwaps() { refusing.refuse() }

    func run() async throws {
        let running = Mutex<Task<Void, Never>?>(nil)
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await supervise(running)
            } onGracefulShutdown: {
                post.yield(.shutdown)
            }
        } onCancel: {
            running.withLock { $0?.cancel() }
        }
    }

    private func supervise(_ running: borrowing Mutex<Task<Void, Never>?>) async throws {
        var controls = controls.makeAsyncIterator()
        let outcome: Result<Void, any Error>
        do {
            try await serve(&controls, running)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // No more swaps: answer any that came too late, so no reload waits forever.
        post.finish()
        while let control = await controls.next() {
            if case .swap(_, let done) = control { done.resume(returning: false) }
        }
        // The serving group is stopped or cancelled by now; wait until it has really finished (leases
        // released, the engine's step committed) before the daemon closes the store.
        await running.withLock { $0 }?.value
        try outcome.get()
    }

    private func serve(
        _ controls: inout AsyncStream<Control>.Iterator, _ running: borrowing Mutex<Task<Void, Never>?>
    ) async throws {
        var generation = 0
        var group = start(first, generation: generation, running)
        var stopping = false
        while let control = await controls.next() {
            switch control {
            case .swap(let services, let done):
                guard !stopping, !refusing.isSet else {
                    done.resume(returning: false)
                    continue
                }
                await group.triggerGracefulShutdown()
                do {
                    try await awaitEnd(of: generation, &controls, stopping: &stopping)
                } catch {
                    done.resume(returning: false)
                    throw error
                }
                guard !stopping, !refusing.isSet else {
                    done.resume(returning: false)
                    return
                }
                generation += 1
                group = start(services, generation: generation, running)
                done.resume(returning: true)
            case .ended(let finished, let result):
                guard finished == generation else { continue }
                // The serving group stopped on its own: an error, or a shutdown already under way.
                try result.get()
                return
            case .shutdown:
                stopping = true
                await group.triggerGracefulShutdown()
                try await awaitEnd(of: generation, &controls, stopping: &stopping)
                return
            }
        }
    }

    /// Reads controls until generation `generation` has ended, and rethrows its error. A shutdown that
    /// arrives meanwhile, or the end of the controls (the pipeline was cancelled), is noted in `stopping`; a
    /// swap cannot arrive (the reload asking for it waits for its answer), and would be refused.
    private func awaitEnd(
        of generation: Int, _ controls: inout AsyncStream<Control>.Iterator, stopping: inout Bool
    ) async throws {
        while let control = await controls.next() {
            switch control {
            case .ended(let finished, let result) where finished == generation: return try result.get()
            case .swap(_, let done): done.resume(returning: false)
            case .shutdown: stopping = true
            case .ended: continue
            }
        }
        stopping = true
    }

    private func start(_ services: [any Service], generation: Int, _ running: borrowing Mutex<Task<Void, Never>?>) -> ServiceGroup {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], cancellationSignals: [],
                logger: logger))
        let post = post
        running.withLock {
            $0 = Task {
                do {
                    try await group.run()
                    post.yield(.ended(generation: generation, .success(())))
                } catch {
                    post.yield(.ended(generation: generation, .failure(error)))
                }
            }
        }
        return group
    }
}
