import AerPluginAPI
import ChannelTestKit
import Foundation
import Logging
import Testing
@testable import ExecChannel

/// A temporary directory holding the scripts of one test.
private struct Scratch {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("aerd-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes an executable `#!/bin/sh` script and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

private let payload = Data(#"{"message":{"text":"Zoë, we miss you ✨"},"customer":{"id":"42"},"migration":{"from":"active","to":"at_risk"}}"#.utf8)

private func message(payload: Data = payload, attempt: Int = 1) -> OutboundMessage {
    OutboundMessage(idempotencyKey: "retain_drifting:t0:42:7:0", channel: "notify", recipient: Recipient(customerId: "42"),
                    text: "Zoë, we miss you", payload: payload, attempt: attempt)
}

private func plugin(_ command: [String], timeout: Double = 10, environment: [String: String] = [:],
                    workingDirectory: String? = nil, logs: LogRecords = LogRecords()) throws(ChannelSetupError) -> ExecPlugin {
    try ExecPlugin(
        id: "notify", settings: ExecSettings(command: command, timeout: timeout, environment: environment, workingDirectory: workingDirectory),
        context: ChannelContext(logger: logs.logger("exec-test")))
}

private func failure(_ plugin: ExecPlugin, _ message: OutboundMessage = message()) async -> DeliveryError? {
    do {
        _ = try await plugin.deliver(message)
        return nil
    } catch {
        return error
    }
}

@Suite("Exec channel")
struct ExecDeliveryTests {
    @Test("exit 0 with a JSON object on stdout is the receipt: provider_message_id, detail, the rest as metadata")
    func jsonReceipt() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("ok", #"""
            cat >/dev/null
            echo '{"provider_message_id": "x-1", "detail": "queued for Slack", "channel": "#retention", "cost": 0.25, "ok": true}'
            """#)
        let receipt = try await plugin([program]).deliver(message())
        #expect(receipt.providerMessageId == "x-1")
        #expect(receipt.detail == "queued for Slack")
        #expect(receipt.metadata == ["channel": "#retention", "cost": "0.25", "ok": "true"])
    }

    @Test("exit 0 with anything else on stdout is delivered with detail exit 0")
    func plainReceipt() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("plain", "cat >/dev/null; echo sent")
        let receipt = try await plugin([program]).deliver(message())
        #expect(receipt == DeliveryReceipt(detail: "exit 0"))
    }

    @Test("the payload arrives on stdin byte for byte, then end of file; arguments and variables are passed")
    func stdinIsThePayload() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let received = scratch.path("received.json")
        let program = try scratch.script("capture", #"""
            cat >"$1"
            printf '%s|%s|%s|%s|%s' "$2" "$GREETING" "$AERD_CHANNEL" "$AERD_IDEMPOTENCY_KEY" "$AERD_ATTEMPT" >"$1.env"
            """#)
        // Larger than a pipe's buffer, so stdin must be written while the program runs.
        let large = payload + Data(repeating: UInt8(ascii: " "), count: 300_000) + Data("\n".utf8)
        _ = try await plugin([program, received, "two words"], environment: ["GREETING": "hello"]).deliver(message(payload: large, attempt: 3))
        #expect(try Data(contentsOf: URL(fileURLWithPath: received)) == large)
        #expect(try String(contentsOfFile: received + ".env", encoding: .utf8)
            == "two words|hello|notify|retain_drifting:t0:42:7:0|3")
    }

    @Test("exit 75 is a retry; the next attempt succeeds")
    func temporaryFailureThenSuccess() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("flaky", #"""
            cat >/dev/null
            if [ -e "$1" ]; then echo '{"detail": "second time lucky"}'; exit 0; fi
            touch "$1"
            echo "upstream busy, try later" >&2
            exit 75
            """#)
        let channel = try plugin([program, scratch.path("state")])
        let error = await failure(channel)
        #expect(error?.disposition == .retry(after: nil))
        #expect(error?.message == "\(program) asked for a retry (exit 75, EX_TEMPFAIL): upstream busy, try later")
        #expect(try await channel.deliver(message(attempt: 2)).detail == "second time lucky")
    }

    @Test("another exit status is permanent with the last stderr line; every stderr line is logged as a warning")
    func failureWithStderr() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("fail", #"""
            cat >/dev/null
            echo "looking up recipient" >&2
            printf 'no such user: 42\r\n' >&2
            exit 3
            """#)
        let logs = LogRecords()
        let error = await failure(try plugin([program], logs: logs))
        #expect(error?.disposition == .permanent)
        #expect(error?.message == "\(program) exited with status 3: no such user: 42")
        #expect(logs.messages(at: .warning) == ["notify: looking up recipient", "notify: no such user: 42"])
    }

    @Test("a failure with nothing on stderr says so")
    func silentFailure() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("silent", "exit 1")
        let error = await failure(try plugin([program]))
        #expect(error?.message == "\(program) exited with status 1 (nothing on stderr)")
    }

    @Test("death by a signal is permanent and names the signal")
    func killedBySignal() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("crash", #"echo "about to crash" >&2; kill -s SEGV $$"#)
        let error = await failure(try plugin([program]))
        #expect(error?.disposition == .permanent)
        #expect(error?.message == "\(program) was killed by signal 11 (SIGSEGV): about to crash")
    }

    @Test("a program still running at the timeout is terminated with what it started, and the message retried")
    func timeout() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // The sleep is a child of the shell and holds stdout open: only killing the process group ends it.
        let program = try scratch.script("slow", "sleep 30")
        let started = ContinuousClock.now
        let error = await failure(try plugin([program], timeout: 0.3))
        #expect(error?.disposition == .retry(after: nil))
        #expect(error?.message == "\(program) did not finish within 0.3 s; stopped it (SIGTERM, then SIGKILL)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("a program that ignores SIGTERM is killed two seconds later")
    func ignoresTerminate() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("stubborn", "trap '' TERM\nsleep 30")
        let started = ContinuousClock.now
        let error = await failure(try plugin([program], timeout: 0.2))
        let elapsed = ContinuousClock.now - started
        #expect(error?.isRetryable == true)
        #expect(elapsed >= .seconds(2))
        #expect(elapsed < .seconds(10))
    }

    @Test("cancelling a delivery (aerd stopping) stops the program and leaves the message to retry")
    func cancelled() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("long", "echo started >&2\nsleep 30")
        let (lines, seen) = AsyncStream.makeStream(of: String.self)
        let channel = try plugin([program], logs: LogRecords { _, message in seen.yield(message) })
        let started = ContinuousClock.now
        let delivery = Task { await failure(channel) }
        for await line in lines where line == "notify: started" { break }
        delivery.cancel()
        let error = await delivery.value
        #expect(error?.isRetryable == true)
        #expect(error?.message == "\(program) was stopped because aerd is shutting down")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("a program that exits without reading stdin is fine")
    func ignoresStdin() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("deaf", #"echo '{"detail": "did not read"}'"#)
        let large = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        #expect(try await plugin([program]).deliver(message(payload: large)).detail == "did not read")
    }

    @Test("the program runs in working_directory")
    func workingDirectory() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("where", #"cat >/dev/null; printf '{"detail": "%s"}' "$(pwd -P)""#)
        let real = try #require(realpath(scratch.directory.path, nil))
        defer { free(real) }
        let receipt = try await plugin([program], workingDirectory: scratch.directory.path).deliver(message())
        #expect(receipt.detail == String(cString: real))
    }

    @Test("a program removed after setup fails permanently")
    func removedProgram() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let program = try scratch.script("gone", "exit 0")
        let channel = try plugin([program])
        try FileManager.default.removeItem(atPath: program)
        let error = await failure(channel)
        #expect(error?.disposition == .permanent)
        #expect(error?.message.hasPrefix("cannot run \(program)") == true)
    }
}

@Suite("Exec channel settings")
struct ExecSettingsTests {
    private func setupError(_ command: [String], environment: [String: String] = [:], workingDirectory: String? = nil) -> ChannelSetupError? {
        do {
            _ = try plugin(command, environment: environment, workingDirectory: workingDirectory)
            return nil
        } catch {
            return error
        }
    }

    @Test("a missing program is a setup error naming it")
    func missingProgram() {
        #expect(setupError(["/nonexistent/aerd-notify"])?.description == "command: '/nonexistent/aerd-notify' does not exist")
        #expect(setupError(["aerd-no-such-program"])?.description.hasPrefix("command: 'aerd-no-such-program' was not found on PATH") == true)
        #expect(setupError([])?.key == "command")
    }

    @Test("a relative path, a directory or a file without x bit is refused")
    func notRunnable() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let plain = scratch.path("plain.txt")
        try "x".write(toFile: plain, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: plain)
        #expect(setupError(["./notify"])?.description.contains("relative path") == true)
        #expect(setupError([scratch.directory.path])?.description.contains("is a directory") == true)
        #expect(setupError([plain])?.description.contains("is not executable") == true)
    }

    @Test("a bare name is found on PATH at setup")
    func resolvedOnPath() throws {
        let channel = try plugin(["sh", "-c", "exit 0"])
        #expect(channel.executablePath.hasPrefix("/"))
        #expect(channel.executablePath.hasSuffix("/sh"))
    }

    @Test("reserved variables and a missing working directory are refused")
    func environmentAndDirectory() {
        #expect(setupError(["/bin/sh"], environment: ["AERD_ATTEMPT": "1"])?.key == "environment.AERD_ATTEMPT")
        #expect(setupError(["/bin/sh"], environment: ["A=B": "1"])?.key == "environment.A=B")
        #expect(setupError(["/bin/sh"], workingDirectory: "/nonexistent/dir")?.key == "working_directory")
    }

    @Test("printing the settings or the channel shows no environment values")
    func redacted() throws {
        let settings = ExecSettings(command: ["/bin/sh"], environment: ["SLACK_TOKEN": "xoxb-secret"])
        #expect(!"\(settings)".contains("xoxb-secret"))
        #expect("\(settings)".contains("SLACK_TOKEN"))
        let channel = try ExecPlugin(id: "slack", settings: settings, context: ChannelContext(logger: Logger(label: "t")))
        #expect(!"\(channel)".contains("xoxb-secret"))
        #expect(!String(reflecting: channel).contains("xoxb-secret"))
    }

    @Test("YAML keys decode; variable names keep their case")
    func decoding() throws {
        let settings = try ChannelSettingsDecoder.decode(
            ExecSettings.self,
            from: Data(#"{"command": ["/bin/notify", "--x"], "environment": {"SLACK_TOKEN": "t"}, "working_directory": "/tmp"}"#.utf8))
        #expect(settings.command == ["/bin/notify", "--x"])
        #expect(settings.environment == ["SLACK_TOKEN": "t"])
        #expect(settings.workingDirectory == "/tmp")
        #expect(settings.timeout == 30)
    }
}
