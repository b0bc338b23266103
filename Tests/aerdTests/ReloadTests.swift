import AerCore
import AerStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A copy of the example configuration the test may edit, with a second write key after `reloadable(…)`.
private struct EditableConfig {
    let directory: String

    init() throws {
        directory = try temporaryDirectory() + "/config"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/config", toPath: directory)
    }

    var main: String { directory + "/aerd.yaml" }

    /// Adds a write key for source `app` (`app_write_key`) and a segment `reloaded_segment`.
    func addWriteKeyAndSegment() throws {
        try "segments:\n  - id: reloaded_segment\n    kind: behavioural\n    when: {event: Product Viewed, within: 7d}\n".write(
            toFile: directory + "/segments/reloaded.yaml", atomically: true, encoding: .utf8)
        let text = try String(contentsOfFile: main, encoding: .utf8)
        let edited = text.replacingOccurrences(
            of: "      key: ${env:AERD_WRITE_KEY}\n", with: "      key: ${env:AERD_WRITE_KEY}\n    - source: app\n      key: app_write_key\n")
        #expect(edited != text)
        try edited.write(toFile: main, atomically: true, encoding: .utf8)
    }

    /// Breaks a segment file: an unknown condition key at a known line.
    func breakSegments() throws {
        try "segments:\n  - id: broken\n    when: {evnt: Order Completed}\n".write(
            toFile: directory + "/segments/broken.yaml", atomically: true, encoding: .utf8)
    }
}

private func track(_ id: String) -> String {
    #"{"type":"track","userId":"reload-\#(id)","event":"Product Viewed","messageId":"reload-\#(id)","timestamp":"2026-11-30T10:00:00Z"}"#
}

private func basic(_ key: String) -> [String: String] {
    ["Authorization": "Basic " + Data("\(key):".utf8).base64EncodedString(), "Content-Type": "application/json"]
}

@Suite("configuration reload", .serialized)
struct ReloadTests {
    @Test("READY, WATCHDOG; SIGHUP: RELOADING+MONOTONIC_USEC then READY; a broken file keeps the old config; SIGTERM: STOPPING, exit 0, nothing lost")
    func reloadLifecycle() async throws {
        let config = try EditableConfig()
        let notify = try NotifySocket()
        let state = try temporaryDirectory()
        let log = state + "/stderr.log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aerdBinary)
        process.arguments = ["run", "--config", config.directory, "--state", state, "--listen", "127.0.0.1:0"]
        var environment = exampleEnvironment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "400000"
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        #expect(notify.receive(until: "READY=1").last?.contains("READY=1") == true)
        #expect(notify.receive(until: "WATCHDOG=1").last == "WATCHDOG=1")
        let base = try #require(listeningBase(in: log))

        // Acknowledged before the reload.
        #expect(try await request("POST", base + "/v1/track", body: track("1"), headers: writeAuth).0 == 200)
        #expect(try await request("GET", base + "/v1/segments", headers: adminAuth).1.contains("reloaded_segment") == false)

        // A good change: SIGHUP reloads it.
        try config.addWriteKeyAndSegment()
        kill(process.processIdentifier, SIGHUP)
        let reloading = notify.receive(until: "RELOADING=1")
        let announce = try #require(reloading.last)
        #expect(announce.contains("RELOADING=1"))
        let monotonic = announce.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
        #expect(monotonic.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) }.map { $0 > 0 } == true)
        let ready = notify.receive(until: "READY=1")
        #expect(ready.last?.contains("STATUS=serving: 5 segments") == true)
        #expect(try await request("GET", base + "/v1/segments", headers: adminAuth).1.contains("reloaded_segment"))
        #expect(try await request("GET", base + "/metrics", headers: adminAuth).1.contains("aerd_config_last_reload_successful 1"))
        #expect(try await request("POST", base + "/v1/track", body: track("2"), headers: basic("app_write_key")).0 == 200)

        // A broken file: refused with file:line:column, the previous configuration keeps serving.
        try config.breakSegments()
        kill(process.processIdentifier, SIGHUP)
        #expect(notify.receive(until: "RELOADING=1").last?.contains("RELOADING=1") == true)
        let refused = notify.receive(until: "READY=1")
        #expect(refused.last?.contains("last reload failed") == true)
        let stderr = try String(contentsOfFile: log, encoding: .utf8)
        #expect(stderr.contains("segments/broken.yaml:3:"))
        #expect(try await request("POST", base + "/v1/track", body: track("3"), headers: basic("app_write_key")).0 == 200)
        #expect(try await request("POST", base + "/v1/track", body: track("4"), headers: writeAuth).0 == 200)

        let metrics = try await request("GET", base + "/metrics", headers: adminAuth).1
        #expect(metrics.contains("aerd_config_last_reload_successful 0"))

        // The admin API answers the same refusal with every problem.
        let (status, body) = try await request("POST", base + "/-/reload", headers: adminAuth)
        #expect(status == 422)
        #expect(body.contains("broken.yaml:3:"))
        #expect(body.contains(#""reloaded":false"#))

        // SIGTERM: STOPPING=1, exit 0, and every acknowledged event is in the store.
        process.terminate()
        #expect(notify.receive(until: "STOPPING=1").last?.hasPrefix("STOPPING=1") == true)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let store = try SQLiteStore(path: state + "/aerd.sqlite", clock: SystemWallClock())
        let events = try await store.events(after: 0, limit: 100)
        try await store.close()
        #expect(Set(events.compactMap { $0.event.userId }) == ["reload-1", "reload-2", "reload-3", "reload-4"])
        let audit = try String(contentsOfFile: log, encoding: .utf8)
        #expect(audit.contains("configuration reloaded"))
    }

    @Test("POST /-/reload applies a good change, and names settings that need a restart")
    func reloadOverHTTP() async throws {
        let config = try EditableConfig()
        let daemon = try Daemon(state: try temporaryDirectory(), config: config.directory)
        try config.addWriteKeyAndSegment()
        let main = try String(contentsOfFile: config.main, encoding: .utf8)
        try main.replacingOccurrences(of: "busy_timeout: 5s", with: "busy_timeout: 6s").write(toFile: config.main, atomically: true, encoding: .utf8)
        let (status, body) = try await request("POST", daemon.base + "/-/reload", headers: adminAuth)
        #expect(status == 200)
        #expect(body.contains(#""reloaded":true"#))
        #expect(body.contains("restart aerd to apply"))
        #expect(body.contains("busy_timeout 6s"))
        #expect(try await request("POST", daemon.base + "/v1/track", body: track("h1"), headers: basic("app_write_key")).0 == 200)
        #expect(daemon.stop() == 0)
    }
}

/// The daemon's base URL, from its "listening on" line (logged before READY=1).
private func listeningBase(in log: String) -> String? {
    guard let text = try? String(contentsOfFile: log, encoding: .utf8),
        let range = text.range(of: "listening on http://127.0.0.1:")
    else { return nil }
    return "http://127.0.0.1:" + text[range.upperBound...].prefix { $0.isNumber }
}
