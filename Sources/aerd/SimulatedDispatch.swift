import AerAutomation
import AerConfig
import AerCore
import AerDispatch
import AerJSON
import AerStore

/// The dispatcher's decisions, made on the simulation's clock without sending anything: each outbox row
/// goes through the same policy pipeline at its due instant; a "send" is recorded as sent so later frequency
/// caps and dedup see it, a quiet-hours deferral comes back when its window ends.
struct SimulatedDispatch {
    let store: SQLiteStore
    let policies: PolicyPipeline
    let channels: [String: (type: String, consent: ChannelConsent)]

    init(store: SQLiteStore, assembly: Assembly) {
        self.store = store
        var channels: [String: (type: String, consent: ChannelConsent)] = [:]
        for definition in assembly.configuration.channels {
            channels[definition.id] = (definition.type.rawValue, ChannelRegistry.limits(of: definition).consent)
        }
        self.channels = channels
        let personal = channels.filter { $0.value.consent.mode != .none }.map(\.key).sorted()
        policies = PolicyPipeline(
            strategies: assembly.configuration.strategies,
            defaults: .init(timezone: assembly.configuration.defaults.timezone, quietHours: assembly.configuration.defaults.quietHours,
                            frequencyCap: assembly.configuration.defaults.frequencyCap),
            store: store, personalChannels: personal)
    }

    /// Runs every pending row to its final state; returns every outbox row, in the order things happened.
    func run() async throws -> [OutboxEntry] {
        let owner = "simulation"
        while let next = try await store.nextDue() {
            for entry in try await store.claimDue(now: next, limit: 1000, owner: owner, lease: .days(3650)) {
                let instant = entry.dueAt
                guard let channel = channels[entry.channel] else {
                    try await store.finish(entry.id, owner: owner, outcome: .dead(error: "unknown channel '\(entry.channel)'"), now: instant)
                    continue
                }
                let decision = try await policies.decide(entry, channelType: channel.type, consent: channel.consent, now: instant)
                let outcome = decision.outcome ?? .sent(receipt: ["detail": "simulated: not sent"])
                try await store.finish(entry.id, owner: owner, outcome: outcome, now: instant)
            }
        }
        var rows: [OutboxEntry] = []
        var cursor: Int64 = 0
        while true {
            let page = try await store.outbox(status: nil, strategy: nil, after: cursor, limit: 1000)
            guard let last = page.last else { break }
            rows += page
            cursor = last.id
        }
        return rows.sorted { ($0.sentAt ?? $0.dueAt, $0.id) < ($1.sentAt ?? $1.dueAt, $1.id) }
    }
}

extension OutboxEntry {
    /// What happened to the action, for the simulation's output: `would send`, `skipped (consent)`, ….
    var simulatedOutcome: String {
        switch status {
        case .sent: "would send"
        case .heldOut: "held out (control group)"
        case .skipped: "skipped (\(reason ?? "unknown"))"
        case .dead: "failed (\(reason ?? "unknown"))"
        case .waiting, .pending, .sending: "still pending"
        }
    }

    /// The action as JSON for the simulation's json/ndjson output.
    func simulatedJSON(customer: String) -> JSONValue {
        [
            "at": .string((sentAt ?? dueAt).iso8601), "customer": .string(customer), "strategy": .string(strategy),
            "trigger": .string(trigger), "channel": .string(channel), "template": .string(template),
            "outcome": .string(status == .sent ? "send" : status.rawValue), "reason": reason.map(JSONValue.string) ?? .null,
        ]
    }
}
