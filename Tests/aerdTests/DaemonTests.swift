import Foundation
import Testing

@Suite("aerd run", .serialized)
struct DaemonTests {
    @Test("the daemon ingests an event, shows the profile and its stage, and stops cleanly on SIGTERM")
    func firstEvent() async throws {
        let state = try temporaryDirectory()
        let daemon = try Daemon(state: state)
        let (status, body) = try await request("POST", daemon.base + "/v1/track", body: """
            {"userId":"ada","event":"Order Completed","properties":{"order_id":"1001","revenue":129.9}}
            """, headers: writeAuth)
        #expect(status == 200)
        #expect(body == #"{"success":true}"#)
        let placed = try await eventually {
            let (_, profile) = try await request("GET", daemon.base + "/v1/profiles/ada", headers: adminAuth)
            return profile.contains(#""stages":{"lifecycle":"active"}"#)
        }
        #expect(placed)
        #expect(daemon.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: state + "/aerd.sqlite"))
    }

    @Test("the running daemon shows its loaded configuration, ingest and migrations on /metrics")
    func metrics() async throws {
        let daemon = try Daemon(state: try temporaryDirectory())
        let (status, _) = try await request("POST", daemon.base + "/v1/track", body: #"{"userId":"ada","event":"Order Completed"}"#, headers: writeAuth)
        #expect(status == 200)
        let migrated = try await eventually {
            let (_, metrics) = try await request("GET", daemon.base + "/metrics", headers: adminAuth)
            return metrics.contains(#"aerd_engine_migrations_total{set="lifecycle",from="",to="active"} 1"#)
        }
        #expect(migrated)
        let (_, metrics) = try await request("GET", daemon.base + "/metrics", headers: adminAuth)
        #expect(metrics.contains("aerd_config_last_reload_successful 1"))
        #expect(metrics.contains(#"aerd_config_info{fingerprint=""#))
        #expect(metrics.contains(#"aerd_ingest_requests_total{type="track",outcome="accepted"} 1"#))
        #expect(daemon.stop() == 0)
    }

    @Test("an import while the daemon runs is processed by the engine exactly once, and re-running it adds nothing")
    func importWhileRunning() async throws {
        let state = try temporaryDirectory()
        let daemon = try Daemon(state: state)
        let file = state + "/orders.csv"
        let today = ISO8601DateFormatter().string(from: Date()).prefix(10)
        try "customer_id,order_id,date,amount\nbo,5001,\(today),80.00\nbo,5002,\(today),90.50\ncy,5003,\(today),12\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let first = try aerd(["import", "--kind", "transactions", "--config", "config", "--state", state, file])
        #expect(first.status == 0)
        #expect(first.stdout.hasPrefix("imported 3 rows: 3 accepted"))
        let second = try aerd(["import", "--kind", "transactions", "--config", "config", "--state", state, file])
        #expect(second.stdout.hasPrefix("imported 3 rows: 0 accepted, 3 already imported"))
        let placed = try await eventually {
            let (_, migrations) = try await request("GET", daemon.base + "/v1/migrations?set=lifecycle&to=active", headers: adminAuth)
            return migrations.contains(#""customer":"bo""#) && migrations.contains(#""customer":"cy""#)
        }
        #expect(placed)
        let (_, all) = try await request("GET", daemon.base + "/v1/migrations?customer=bo&set=lifecycle", headers: adminAuth)
        #expect(all.components(separatedBy: #""to":"active""#).count - 1 == 1)
        #expect(daemon.stop() == 0)

        let report = try aerd(["report", "migrations", "--config", "config", "--state", state, "--set", "lifecycle", "--since", "1d", "--format", "csv"])
        #expect(report.status == 0)
        #expect(report.stdout == "from,to,count,share\n(none),active,2,1.0000\n")
    }

    @Test("an import with bad rows stores the good ones, lists each bad row with its line, and exits 1")
    func importRejections() throws {
        let state = try temporaryDirectory()
        let file = state + "/crm.csv"
        try "customer_id,email,plan\nada,ada@example.com,pro\n,nobody@example.com,free\n".write(toFile: file, atomically: true, encoding: .utf8)
        let outcome = try aerd(["import", "--kind", "crm", "--config", "config", "--state", state, file])
        #expect(outcome.status == 1)
        #expect(outcome.stdout.contains("1 accepted"))
        #expect(outcome.stdout.contains("line 3:"))
    }
}
