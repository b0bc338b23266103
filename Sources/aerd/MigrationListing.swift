import AerCore
import AerJSON

/// Migrations printed as text, JSON or NDJSON (simulate, report).
struct MigrationListing {
    var migrations: [Migration]
    /// Display name per profile id (userId, else anonymousId).
    var customers: [Int64: String]

    func render(_ format: SimulateCommand.Format) -> String {
        switch format {
        case .text:
            if migrations.isEmpty { return "no migrations" }
            return migrations.map { migration in
                let customer = customers[migration.profileId] ?? String(migration.profileId)
                let move: String
                switch migration.kind {
                case .lifecycle: move = "\(migration.from ?? "(none)") → \(migration.to ?? "(none)")"
                case .segment: move = migration.to != nil ? "entered" : "exited"
                }
                return "\(migration.at.iso8601)  \(customer)  \(migration.set)  \(move)  (\(migration.cause))"
            }.joined(separator: "\n")
        case .json:
            return JSONWriter.string(.array(migrations.map(json)), pretty: true)
        case .ndjson:
            return migrations.map { JSONWriter.string(json($0)) }.joined(separator: "\n")
        }
    }

    func json(_ migration: Migration) -> JSONValue {
        migration.json(customer: customers[migration.profileId] ?? String(migration.profileId))
    }
}
