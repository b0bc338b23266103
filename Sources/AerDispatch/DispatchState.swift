import AerStore
import Synchronization

/// What the dispatcher's loop and its sends share: per channel, how many rows are in hand and the rate
/// limit's bucket; the channels disabled by an endpoint that is gone; the ids of every row in hand.
///
/// A row counts against its channel's `concurrency` from its claim to its outcome, so the loop claims only
/// what it can start at once: no claimed row waits behind others for longer than its lease.
final class DispatchState: Sendable {
    /// One claimed row and what it may do.
    struct Ticket: Sendable {
        /// The claimed row.
        var entry: OutboxEntry
        /// Whether the row counts against its channel's concurrency (false for unknown or disabled channels).
        var inLane: Bool
        /// When its rate-limit token is due, for channels with a rate limit.
        var sendAt: ContinuousClock.Instant?
    }

    private struct Lane {
        var concurrency: Int
        var held = 0
        var bucket: TokenBucket?
    }

    private struct State {
        var lanes: [String: Lane]
        var disabled: [String: String] = [:]
        var holding: Set<Int64> = []
        var stopping = false
    }

    private let state: Mutex<State>
    private let origin = ContinuousClock.now

    /// - Parameter channels: the configured channels.
    init(channels: [String: ConfiguredChannel]) {
        state = Mutex(State(lanes: channels.mapValues { channel in
            Lane(concurrency: channel.limits.concurrency, bucket: channel.limits.rateLimit.map { TokenBucket($0) })
        }))
    }

    /// Whether the dispatcher is shutting down and must claim nothing more.
    var isStopping: Bool { state.withLock { $0.stopping } }

    /// Stops claiming.
    func stop() { state.withLock { $0.stopping = true } }

    /// Rows claimed and not finished.
    var inFlight: Int { state.withLock { $0.holding.count } }

    /// Channels disabled since start, with the reason.
    var disabled: [String: String] { state.withLock { $0.disabled } }

    /// How many rows the next claim may take: per enabled channel, its free concurrency, and for a rate-limited
    /// channel no more than can get a token within `horizon`; up to `batch` rows of any other channel (unknown
    /// or disabled), which only need recording.
    func quotas(batch: Int, horizon: Duration) -> ClaimQuotas {
        let now = ContinuousClock.now - origin
        return state.withLock { state in
            var perChannel: [String: Int] = [:]
            for (id, lane) in state.lanes where state.disabled[id] == nil {
                var room = min(lane.concurrency - lane.held, batch)
                if let bucket = lane.bucket { room = min(room, bucket.available(at: now, within: horizon)) }
                perChannel[id] = max(room, 0)
            }
            return ClaimQuotas(perChannel: perChannel, otherChannels: batch)
        }
    }

    /// Takes claimed rows in hand: each counts against its channel and reserves its rate-limit token.
    /// - Parameter entries: the rows a claim returned.
    /// - Returns: the tickets to process, and the rows that were already in hand (a send outlived its lease
    ///   and the claim took the row again), which must not be sent twice.
    func admit(_ entries: [OutboxEntry]) -> (tickets: [Ticket], alreadyHeld: [OutboxEntry]) {
        let instant = ContinuousClock.now
        let now = instant - origin
        return state.withLock { state in
            var tickets: [Ticket] = []
            var alreadyHeld: [OutboxEntry] = []
            for entry in entries {
                guard state.holding.insert(entry.id).inserted else {
                    alreadyHeld.append(entry)
                    continue
                }
                guard state.disabled[entry.channel] == nil, var lane = state.lanes[entry.channel] else {
                    tickets.append(Ticket(entry: entry, inLane: false, sendAt: nil))
                    continue
                }
                lane.held += 1
                var sendAt: ContinuousClock.Instant?
                if var bucket = lane.bucket {
                    sendAt = instant + bucket.reserve(at: now)
                    lane.bucket = bucket
                }
                state.lanes[entry.channel] = lane
                tickets.append(Ticket(entry: entry, inLane: true, sendAt: sendAt))
            }
            return (tickets, alreadyHeld)
        }
    }

    /// Gives back the rate-limit token of a row that will not be sent.
    /// - Parameter ticket: the row's ticket.
    func refund(_ ticket: Ticket) {
        guard ticket.sendAt != nil else { return }
        state.withLock { state in
            state.lanes[ticket.entry.channel]?.bucket?.refund()
        }
    }

    /// Lets go of a row whose outcome is recorded (or left for the lease release).
    /// - Parameter ticket: the row's ticket.
    func release(_ ticket: Ticket) {
        state.withLock { state in
            state.holding.remove(ticket.entry.id)
            if ticket.inLane { state.lanes[ticket.entry.channel]?.held -= 1 }
        }
    }

    /// Disables a channel for the rest of this dispatcher's life.
    /// - Parameters:
    ///   - channel: the channel id.
    ///   - reason: why, as the plugin said it.
    /// - Returns: whether it was enabled until now.
    func disable(_ channel: String, reason: String) -> Bool {
        state.withLock { state in
            guard state.disabled[channel] == nil else { return false }
            state.disabled[channel] = reason
            return true
        }
    }

    /// Why a channel is disabled, or nil while it is enabled.
    /// - Parameter channel: the channel id.
    func disabledReason(_ channel: String) -> String? {
        state.withLock { $0.disabled[channel] }
    }
}
