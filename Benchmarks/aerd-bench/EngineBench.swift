import AerConfig
import AerCore
import AerEngine
import AerJSON
import ArgumentParser
import Foundation

/// Loads the example configuration's rules (secrets are irrelevant to the engine).
func exampleRules(_ directory: String) throws -> RuleSet {
    var environment = ProcessInfo.processInfo.environment
    environment["AERD_WRITE_KEY"] = environment["AERD_WRITE_KEY"] ?? "bench"
    environment["AERD_ADMIN_TOKEN"] = environment["AERD_ADMIN_TOKEN"] ?? "bench"
    switch ConfigLoader.load(directory: directory, environment: environment) {
    case .success(let configuration): return RuleSet(segments: configuration.segments, lifecycles: configuration.lifecycles)
    case .failure(let errors): throw ValidationError("\(errors)")
    }
}

/// Resident memory of this process, in bytes (Linux).
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

/// Zipf-distributed customers and a realistic mix of shop events.
struct EventStream {
    private var state: UInt64
    private let cumulative: [Double]

    init(customers: Int, seed: UInt64, exponent: Double = 1.0) {
        state = seed
        var weights = (1...customers).map { 1 / pow(Double($0), exponent) }
        let total = weights.reduce(0, +)
        var running = 0.0
        for index in weights.indices {
            running += weights[index] / total
            weights[index] = running
        }
        cumulative = weights
    }

    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    mutating func customer() -> Int64 {
        let u = uniform()
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid + 1 } else { high = mid }
        }
        return Int64(low + 1)
    }

    static let names: [(String, Double)] = [
        ("Page Viewed", 0.35), ("Product Viewed", 0.35), ("Product Added", 0.12), ("Email Opened", 0.08),
        ("Order Completed", 0.05), ("identify", 0.05),
    ]

    mutating func event(seq: Int64, at time: Timestamp) -> StoredEvent {
        let profile = customer()
        var pick = uniform()
        var name = Self.names[0].0
        for (candidate, share) in Self.names {
            if pick < share { name = candidate; break }
            pick -= share
        }
        let category: JSONValue = uniform() < 0.6 ? "running" : "hiking"
        let event: Event
        if name == "identify" {
            event = Event(messageId: "m\(seq)", source: "bench", type: .identify, userId: "c\(profile)",
                          traits: ["newsletter_opt_in": .bool(uniform() < 0.3), "timezone": "Europe/Berlin"], timestamp: time, receivedAt: time)
        } else {
            event = Event(messageId: "m\(seq)", source: "bench", type: name == "Page Viewed" ? .page : .track, userId: "c\(profile)",
                          name: name == "Page Viewed" ? "Home" : name,
                          properties: ["category": category, "revenue": .number(Double(40 + Int(uniform() * 160))), "campaign_type": "newsletter"],
                          timestamp: time, receivedAt: time)
        }
        return StoredEvent(seq: seq, profileId: profile, event: event)
    }
}

/// Engine throughput, timer load and memory, in process (no store).
struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine", abstract: "Segmentation engine: events/s, timer firing, memory (example config).")

    @Option var config = "config"
    @Option var customers = 100_000
    @Option var events = 1_000_000
    @Option(help: "Profiles for the timer and memory runs.") var profiles = 1_000_000

    func run() throws {
        let rules = try exampleRules(config)
        // 1. Throughput: 1M events over 100k Zipf customers, spread over 30 days of event time.
        var stream = EventStream(customers: customers, seed: 42)
        let start = Timestamp(iso8601: "2026-01-01T00:00:00Z")!
        let spacing = Int64(30 * 86_400_000) / Int64(events)
        let input = (0..<Int64(events)).map { stream.event(seq: $0 + 1, at: start + AerDuration(millis: $0 * spacing)) }
        var engine = SegmentationEngine(rules: rules)
        var migrations = 0
        let clock = ContinuousClock()
        let began = clock.now
        for stored in input { migrations += engine.apply(stored, now: stored.event.timestamp).migrations.count }
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("engine: \(events) events over \(engine.profileCount) customers in \(String(format: "%.2f", seconds)) s = \(rate(events, seconds)) events/s on one core (\(migrations) migrations)")

        // 2. Time-driven: every profile ordered once, so each has a timer; all come due within one day.
        var timed = SegmentationEngine(rules: rules)
        let orderDay = start
        var due: [(Int64, Timestamp)] = []
        due.reserveCapacity(profiles)
        for profile in 1...Int64(profiles) {
            // Orders spread over one day, 60 days before the firing day: at_risk timers all fall due that day.
            let at = orderDay + AerDuration(millis: profile * 86_400_000 / Int64(profiles))
            let event = Event(messageId: "o\(profile)", source: "bench", type: .track, userId: "c\(profile)", name: "Order Completed",
                              properties: ["revenue": 50, "category": "running"], timestamp: at, receivedAt: at)
            let result = timed.apply(StoredEvent(seq: profile, profileId: profile, event: event), now: at)
            if let next = result.nextTimer { due.append((profile, next)) }
        }
        let rss = residentBytes()
        print("memory: \(profiles) profiles with state, RSS \(rss / 1_048_576) MiB")
        // Skip to the day the 60-day windows close: fire every timer due up to then, in due order.
        let fireDay = orderDay + .days(61)
        var fired = 0, moved = 0
        var queue = TimerHeap(due)
        let timersBegan = clock.now
        while let (profile, instant) = queue.popFirst(), instant <= fireDay {
            let result = timed.fire(profile, at: instant)
            fired += 1
            moved += result.migrations.count
            if let next = result.nextTimer { queue.push((profile, next)) }
        }
        let timerElapsed = clock.now - timersBegan
        let timerSeconds = Double(timerElapsed.components.seconds) + Double(timerElapsed.components.attoseconds) / 1e18
        print("timers: \(fired) timer firings (\(moved) migrations) for \(profiles) profiles in \(String(format: "%.2f", timerSeconds)) s")
    }
}

/// A binary min-heap of (profile, due) by due instant.
struct TimerHeap {
    private var items: [(Int64, Timestamp)] = []

    init(_ entries: [(Int64, Timestamp)]) {
        for entry in entries { push(entry) }
    }

    mutating func push(_ entry: (Int64, Timestamp)) {
        items.append(entry)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].1 < items[parent].1 else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popFirst() -> (Int64, Timestamp)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let first = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left].1 < items[smallest].1 { smallest = left }
            if right < items.count && items[right].1 < items[smallest].1 { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
