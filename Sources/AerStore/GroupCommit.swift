import Synchronization

/// Group commit: requests that arrive while a write is in flight are written together in the next
/// transaction, so concurrent ingests share one fsync instead of queueing for one each.
///
/// No background task: the first caller leads and writes its own request with everything pending;
/// when it is done it hands the lead to the oldest waiter, which does the same.
final class GroupCommit<Request: Sendable, Response: Sendable>: Sendable {
    /// Writes a group of requests in one transaction and returns one result per request, in order.
    typealias Writer = @Sendable ([Request]) async -> [Result<Response, any Error>]

    private enum Wake {
        case done(Result<Response, any Error>)
        case lead
    }

    private struct Waiter {
        var request: Request
        var continuation: CheckedContinuation<Wake, Never>
    }

    private struct State {
        var waiting: [Waiter] = []
        var leading = false
    }

    private let state = Mutex(State())
    private let maxGroup: Int
    private let writer: Writer

    /// - Parameters:
    ///   - maxGroup: most requests written in one transaction.
    ///   - writer: writes one group.
    init(maxGroup: Int, writer: @escaping Writer) {
        self.maxGroup = maxGroup
        self.writer = writer
    }

    /// Requests queued behind the write in flight (for tests and metrics).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Submits `request` and returns once the transaction holding it has committed (or failed).
    func submit(_ request: Request) async throws -> Response {
        let leadNow = state.withLock { state -> Bool in
            if state.leading { return false }
            state.leading = true
            return true
        }
        if !leadNow {
            let wake = await withCheckedContinuation { continuation in
                let leadInstead = state.withLock { state -> Bool in
                    if state.leading {
                        state.waiting.append(Waiter(request: request, continuation: continuation))
                        return false
                    }
                    state.leading = true
                    return true
                }
                if leadInstead { continuation.resume(returning: .lead) }
            }
            if case .done(let result) = wake { return try result.get() }
        }
        return try await lead(with: request).get()
    }

    private func lead(with request: Request) async -> Result<Response, any Error> {
        let others = state.withLock { state -> [Waiter] in
            let count = min(state.waiting.count, maxGroup - 1)
            let taken = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            return taken
        }
        let results = await writer([request] + others.map(\.request))
        for (waiter, result) in zip(others, results.dropFirst()) {
            waiter.continuation.resume(returning: .done(result))
        }
        let next = state.withLock { state -> Waiter? in
            if state.waiting.isEmpty {
                state.leading = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        return results[0]
    }
}
