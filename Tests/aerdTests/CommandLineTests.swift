import Foundation
import Testing

@Suite("aerd command line")
struct CommandLineTests {
    @Test("version prints the version and exits 0")
    func version() throws {
        let outcome = try aerd(["version"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasPrefix("aerd "))
    }

    @Test("validate on the shipped example prints a one-line summary and exits 0")
    func validateExample() throws {
        let outcome = try aerd(["validate", "--config", "config"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "config OK: 4 segments, 1 lifecycle set (7 stages), 5 strategies, 3 channels, 9 templates\n")
    }

    @Test("validate reports every problem as FILE:LINE:COLUMN and exits 78")
    func validateBroken() throws {
        let directory = try temporaryDirectory()
        try """
            server:
              listen: 127.0.0.1:8088
              admin_token: x
            ingest:
              write_keys:
                - {source: web, key: k}
            """.write(toFile: directory + "/aerd.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/segments", withIntermediateDirectories: true)
        try """
            segments:
              - id: buyers
                kind: value
                when: {event: Order Completed, withn: 3d}
              - id: buyers
                kind: behavioural
                when: {event: Order Completed, within: 3 days}
            """.write(toFile: directory + "/segments/s.yaml", atomically: true, encoding: .utf8)
        let outcome = try aerd(["validate", "--config", directory])
        #expect(outcome.status == 78)
        let file = directory + "/segments/s.yaml"
        #expect(outcome.stderr == """
            \(file):4:36: error: unknown key 'withn' in event condition; did you mean 'within'?
            \(file):5:9: error: duplicate segment id 'buyers'; first defined at \(file):2:9
            \(file):7:44: error: '3 days' is not a duration; write a whole number and a unit: 90s, 15m, 2h, 3d or 8w

            """)
        #expect(outcome.stdout.isEmpty)
    }

    @Test("a missing secret is a configuration error (78) naming the key")
    func missingSecret() throws {
        var environment = exampleEnvironment
        environment["AERD_ADMIN_TOKEN"] = nil
        let outcome = try aerd(["validate", "--config", "config"], environment: environment)
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains("config/aerd.yaml:7:16: error: cannot resolve 'server.admin_token': environment variable AERD_ADMIN_TOKEN is not set"))
    }

    @Test("usage errors exit 64 and say what is wrong")
    func usageErrors() throws {
        let badListen = try aerd(["run", "--config", "config", "--listen", "nonsense"])
        #expect(badListen.status == 64)
        #expect(badListen.stderr.contains("--listen 'nonsense' is not HOST:PORT"))
        #expect(try aerd(["frobnicate"]).status == 64)
        #expect(try aerd(["import", "--kind", "crm"]).status == 64)
    }

    @Test("the example comes alive: simulate prints every migration of the shipped story at its exact instant")
    func simulateExample() throws {
        let outcome = try aerd(["simulate", "--config", "config", "--events", "config/examples/sneaker-events.ndjson", "--until", "2026-09-01T00:00:00Z"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == """
            2026-01-05T10:00:00.000Z  maya  lifecycle  (none) → new  (event 1 (e01))
            2026-01-05T12:00:00.000Z  leo  lifecycle  (none) → new  (event 3 (e06))
            2026-01-05T12:05:00.000Z  leo  lifecycle  new → active  (event 4 (e07))
            2026-01-07T10:10:00.000Z  maya  cart_abandoner  entered  (timer)
            2026-01-08T10:01:00.000Z  maya  cart_abandoner  exited  (timer)
            2026-02-04T10:00:00.000Z  maya  lifecycle  new → prospect  (timer)
            2026-03-06T12:05:00.000Z  leo  lifecycle  active → at_risk  (timer)
            2026-07-04T12:05:00.000Z  leo  lifecycle  at_risk → churned  (timer)
            2026-08-01T09:00:00.000Z  leo  lifecycle  churned → active  (event 8 (e08))
            2026-08-01T09:00:00.000Z  leo  running_enthusiast  entered  (event 8 (e08))

            actions:
            2026-01-06T10:00:00.000Z  maya  welcome_new/arrived  email:welcome_email  would send
            2026-01-06T12:00:00.000Z  leo  welcome_new/arrived  email:welcome_email  skipped (no_longer_matches)
            2026-01-07T11:10:00.000Z  maya  convert_cart_abandoners/abandoned  email:cart_reminder_email  skipped (frequency_cap)
            2026-01-07T11:10:00.000Z  maya  convert_cart_abandoners/abandoned  webhook:cart_abandoned_webhook  would send
            2026-03-06T14:05:00.000Z  leo  retain_drifting/drifting  sms:retention_sms  held out (control group)
            2026-07-05T12:05:00.000Z  leo  win_back/churned  email:win_back_email  would send

            """)
    }

    @Test("simulate --from hides earlier migrations and actions but keeps their history; json output parses")
    func simulateWindowAndJSON() throws {
        let outcome = try aerd(["simulate", "--config", "config", "--events", "config/examples/sneaker-events.ndjson", "--from", "2026-03-01", "--format", "json"])
        #expect(outcome.status == 0)
        let parsed = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        let migrations = parsed?["migrations"] as? [[String: Any]]
        #expect(migrations?.compactMap { $0["to"] as? String } == ["at_risk", "churned", "active", "running_enthusiast"])
        let actions = parsed?["actions"] as? [[String: Any]]
        #expect(actions?.compactMap { $0["outcome"] as? String } == ["held_out", "send"])
    }

    @Test("simulate rejects a bad event file with the line and reason, and never touches a daemon's store")
    func simulateBadFile() throws {
        let directory = try temporaryDirectory()
        try "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"X\",\"timestamp\":\"2026-01-01T00:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"u\"}\n"
            .write(toFile: directory + "/events.ndjson", atomically: true, encoding: .utf8)
        let outcome = try aerd(["simulate", "--config", repositoryRoot + "/config", "--events", "events.ndjson"], directory: directory)
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("events.ndjson:2: 'timestamp' is missing"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/state"))
    }
}

@Suite("aerd erase")
struct EraseCommandTests {
    @Test("erase removes a customer from the store and says what it removed")
    func erase() throws {
        let state = try temporaryDirectory()
        let file = state + "/crm.csv"
        try "customer_id,email\nada,ada@example.com\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try aerd(["import", "--kind", "crm", "--config", "config", "--state", state, file]).status == 0)
        let erased = try aerd(["erase", "--config", "config", "--state", state, "--customer", "ada", "--suppress"])
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout.hasPrefix("erased profile 1: 1 events"))
        let again = try aerd(["erase", "--config", "config", "--state", state, "--customer", "ada"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("no profile"))
    }
}
