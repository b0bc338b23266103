import AerCore
import AerJSON
import AerStore

/// Migrations, and the actions they led to, printed as text, JSON or NDJSON (simulate).
struct MigrationListing {
    var migrations: [Migration]
    var actions: [OutboxEntry] = []
    /// Display name per profile id (userId, else anonymousId).
    var customers: [Int64: String]

    func render(_ format: SimulateCommand.Format) -> String {
        switch format {
        case .text:
            if migrations.isEmpty { return "no migrations" }
            let moves = migrations.map { migration in
                let customer = customers[migration.profileId] ?? String(migration.profileId)
                let move: String
                switch migration.kind {
                case .lifecycle: move = "\(migration.from ?? "(none)") → \(migration.to ?? "(none)")"
                case .segment: move = migration.to != nil ? "entered" : "exited"
                }
                return "\(migration.at.iso8601)  \(customer)  \(migration.set)  \(move)  (\(migration.cause))"
            }.joined(separator: "\n")
            guard !actions.isEmpty else { return moves + "\n\nno actions" }
            let sends = actions.map { action in
                let customer = customers[action.profileId] ?? String(action.profileId)
                return "\((action.sentAt ?? action.dueAt).iso8601)  \(customer)  \(action.strategy)/\(action.trigger)  "
                    + "\(action.channel):\(action.template)  \(action.simulatedOutcome)"
            }.joined(separator: "\n")
            return moves + "\n\nactions:\n" + sends
        case .json:
            return JSONWriter.string(["migrations": .array(migrations.map(json)), "actions": .array(actions.map(actionJSON))], pretty: true)
        case .ndjson:
            return (migrations.map { JSONWriter.string(json($0)) } + actions.map { JSONWriter.string(actionJSON($0)) }).joined(separator: "\n")
        }
    }

    func actionJSON(_ action: OutboxEntry) -> JSONValue {
        action.simulatedJSON(customer: customers[action.profileId] ?? String(action.profileId))
    }

    func json(_ migration: Migration) -> JSONValue {
        migration.json(customer: customers[migration.profileId] ?? String(migration.profileId))
    }
}
