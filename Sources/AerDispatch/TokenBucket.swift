/// A channel's rate limit as a token bucket holding `count` tokens that refills at `count` per `period`,
/// kept as the generic cell rate algorithm: one instant, the theoretical arrival time of the next send.
///
/// Sends reserve their slot up front: `reserve(at:)` says how long the send must wait, and later reservations
/// queue behind it. Times are offsets from any fixed origin (the dispatcher uses `ContinuousClock`), passed
/// explicitly so the schedule can be checked without waiting.
struct TokenBucket: Sendable, Hashable {
    /// Nanoseconds between sends at the steady rate: period / count.
    let interval: Int64
    /// How far ahead of the steady schedule a burst may run: (count − 1) intervals.
    let tolerance: Int64
    /// When the next send would be due if sends kept to the steady rate, in nanoseconds since the origin.
    private(set) var theoreticalArrival: Int64

    /// A full bucket.
    /// - Parameters:
    ///   - rate: the limit.
    ///   - origin: the time it starts at.
    init(_ rate: RateLimit, origin: Duration = .zero) {
        interval = max(rate.period.millis * 1_000_000 / Int64(rate.count), 1)
        tolerance = interval * Int64(rate.count - 1)
        theoreticalArrival = Self.nanoseconds(origin)
    }

    /// Reserves a token for a send at `now`.
    /// - Parameter now: the current time.
    /// - Returns: how long the send must wait for its token (zero when one is there).
    mutating func reserve(at now: Duration) -> Duration {
        let now = Self.nanoseconds(now)
        let start = max(theoreticalArrival, now)
        theoreticalArrival = start + interval
        return .nanoseconds(max(start - tolerance - now, 0))
    }

    /// Gives back one reserved token, for a send that did not happen (the gate stopped it). The schedule of
    /// reservations already made stays; the slot opens at the end of the queue.
    mutating func refund() {
        theoreticalArrival -= interval
    }

    /// How long a send at `now` would wait, without reserving.
    /// - Parameter now: the current time.
    /// - Returns: the wait.
    func delay(at now: Duration) -> Duration {
        let now = Self.nanoseconds(now)
        return .nanoseconds(max(max(theoreticalArrival, now) - tolerance - now, 0))
    }

    /// How many sends reserved one after another from `now` would each wait no longer than `horizon`.
    /// - Parameters:
    ///   - now: the current time.
    ///   - horizon: the longest acceptable wait.
    /// - Returns: the number of such sends.
    func available(at now: Duration, within horizon: Duration) -> Int {
        let now = Self.nanoseconds(now)
        let slack = now + Self.nanoseconds(horizon) + tolerance - max(theoreticalArrival, now)
        return slack < 0 ? 0 : Int(min(slack / interval + 1, Int64(Int32.max)))
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
