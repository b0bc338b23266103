public import AerPluginAPI
import Foundation
import Logging
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program for each message (`type: exec`): channels written in any language.
///
/// The program (never a shell) gets the message's JSON envelope (`OutboundMessage.payload`) on stdin,
/// which is then closed. Its exit status decides the outcome: 0 delivered, 75 (EX_TEMPFAIL) retry later,
/// anything else — or death by a signal — a permanent failure, reported with the last line of stderr.
/// On exit 0 a JSON object on stdout becomes the receipt (`provider_message_id`, `detail`, any other key
/// as metadata). A program still running after `timeout` is stopped — SIGTERM to its process group, SIGKILL
/// two seconds later — and the message retried. Each stderr line is logged as a warning.
///
/// The program starts in its own process group with a small environment: `PATH`, `HOME`, `LANG`, `LC_ALL`,
/// `TZ`, `TMPDIR` from aerd's, the configured `environment`, and `AERD_CHANNEL`, `AERD_IDEMPOTENCY_KEY`,
/// `AERD_ATTEMPT`. aerd's other variables, which may hold secrets, are not passed on.
public struct ExecPlugin: ChannelPlugin, CustomStringConvertible {
    /// The YAML `type:` of this channel.
    public static let type = "exec"

    /// The channel's configured id.
    public let id: String
    /// The program that runs: the configured path, or the name as found on `PATH` when the channel was created.
    public let executablePath: String
    private let program: String
    private let arguments: [String]
    private let environment: [String: String]
    private let workingDirectory: String?
    private let timeout: Duration
    private let timeoutSeconds: Double
    private let logger: Logger

    /// How long a program has to exit after SIGTERM before it gets SIGKILL.
    static let killGrace: Duration = .seconds(2)
    /// Stdout beyond this is read and dropped, so a chatty program cannot block or exhaust memory.
    static let stdoutLimit = 1 << 20
    /// The exit status with which a program asks for a retry (sysexits.h EX_TEMPFAIL).
    static let temporaryFailure: Int32 = 75
    /// Variables aerd sets for every run, which `environment:` may not set.
    static let reservedVariables: Set<String> = ["AERD_CHANNEL", "AERD_IDEMPOTENCY_KEY", "AERD_ATTEMPT"]
    /// Variables copied from aerd's environment when it has them.
    static let inheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]

    /// Checks the settings and finds the program.
    /// - Parameters:
    ///   - id: the channel's id.
    ///   - settings: the decoded settings.
    ///   - context: the host's logger.
    /// - Throws: `ChannelSetupError` when the program cannot be found or run, or a setting is unusable.
    public init(id: String, settings: ExecSettings, context: ChannelContext) throws(ChannelSetupError) {
        _ = sigpipeIgnored
        guard let program = settings.command.first, !program.isEmpty else {
            throw ChannelSetupError(key: "command", "must name a program, e.g. [/usr/local/bin/notify, --flag]")
        }
        for (name, value) in settings.environment {
            guard !name.isEmpty, !name.contains("="), !name.utf8.contains(0), !value.utf8.contains(0) else {
                throw ChannelSetupError(key: "environment.\(name)", "not a valid environment variable")
            }
            guard !Self.reservedVariables.contains(name) else {
                throw ChannelSetupError(key: "environment.\(name)", "set by aerd for every run; remove it")
            }
        }
        guard settings.timeout > 0, settings.timeout <= 86_400 else {
            throw ChannelSetupError(key: "timeout", "must be a number of seconds between 0 and 86400")
        }
        if let directory = settings.workingDirectory {
            var isDirectory: ObjCBool = false
            guard directory.hasPrefix("/"), FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
                  isDirectory.boolValue
            else {
                throw ChannelSetupError(key: "working_directory", "'\(directory)' is not an existing directory given by its absolute path")
            }
        }

        let parent = ProcessInfo.processInfo.environment
        var environment: [String: String] = [:]
        for name in Self.inheritedVariables { environment[name] = parent[name] }
        environment["PATH"] = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        environment.merge(settings.environment) { _, configured in configured }

        self.id = id
        self.program = program
        self.executablePath = try Self.resolve(program, searchPath: environment["PATH"]!)
        self.arguments = Array(settings.command.dropFirst())
        self.environment = environment
        self.workingDirectory = settings.workingDirectory
        self.timeout = .nanoseconds(Int64(settings.timeout * 1e9))
        self.timeoutSeconds = settings.timeout
        var logger = context.logger
        logger[metadataKey: "channel"] = "\(id)"
        self.logger = logger
    }

    /// The channel for logs, without the environment's values.
    public var description: String { "exec channel '\(id)' running \(executablePath)" }

    /// Runs the program with `message.payload` on stdin.
    /// - Parameter message: the rendered message.
    /// - Returns: the receipt the program printed, or "exit 0".
    /// - Throws: `DeliveryError`: retry for exit 75 and timeouts, permanent for other failures.
    public func deliver(_ message: OutboundMessage) async throws(DeliveryError) -> DeliveryReceipt {
        var environment = environment
        environment["AERD_CHANNEL"] = id
        environment["AERD_IDEMPOTENCY_KEY"] = message.idempotencyKey
        environment["AERD_ATTEMPT"] = "\(message.attempt)"

        let (result, timedOut) = await runWithDeadline(payload: message.payload, environment: environment)
        if timedOut {
            throw .retry("\(program) did not finish within \(Self.seconds(timeoutSeconds)) s; stopped it (SIGTERM, then SIGKILL)")
        }
        let finished: Finished
        switch result {
        case .success(let value): finished = value
        case .failure(let error): throw Self.launchFailure(error, program: executablePath)
        }
        let stderr = finished.lastStderrLine.map { ": \($0)" } ?? " (nothing on stderr)"
        if Task.isCancelled, finished.status != .exited(0) {
            // Stopped by us, not failed: the message was not delivered and may be next time.
            throw .retry("\(program) was stopped because aerd is shutting down")
        }
        switch finished.status {
        case .exited(0):
            return Self.receipt(stdout: finished.stdout, truncated: finished.stdoutTruncated)
        case .exited(Self.temporaryFailure):
            throw .retry("\(program) asked for a retry (exit 75, EX_TEMPFAIL)\(stderr)")
        case .exited(let code):
            throw .permanent("\(program) exited with status \(code)\(stderr)")
        case .signaled(let signal):
            throw .permanent("\(program) was killed by signal \(signal)\(Self.signalName(signal))\(stderr)")
        }
    }

    /// What a finished run left behind.
    struct Finished: Sendable {
        var status: TerminationStatus
        var stdout: [UInt8]
        var stdoutTruncated: Bool
        var lastStderrLine: String?
    }

    private enum Race: Sendable {
        case finished(Result<Finished, any Error>)
        case timedOut
        case cancelled
    }

    /// Runs the program; at the deadline cancels the run, which makes Subprocess tear the process group down.
    private func runWithDeadline(payload: Data, environment: [String: String]) async -> (Result<Finished, any Error>, timedOut: Bool) {
        await withTaskGroup(of: Race.self) { group in
            group.addTask {
                do {
                    return .finished(.success(try await self.run(payload: payload, environment: environment)))
                } catch {
                    return .finished(.failure(error))
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: self.timeout)
                    return .timedOut
                } catch {
                    return .cancelled
                }
            }
            var timedOut = false
            while let event = await group.next() {
                switch event {
                case .timedOut:
                    timedOut = true
                    group.cancelAll()
                case .cancelled:
                    continue
                case .finished(let result):
                    group.cancelAll()
                    return (result, timedOut)
                }
            }
            return (.failure(CancellationError()), timedOut)
        }
    }

    private func run(payload: Data, environment: [String: String]) async throws -> Finished {
        var options = PlatformOptions()
        // Its own process group, so a timeout also stops whatever the program started.
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: Self.killGrace)]
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let stderrLog = StderrLog(channel: id, logger: logger)
        let result = try await Subprocess.run(
            .path(FilePath(executablePath)),
            arguments: Arguments(arguments),
            environment: .custom(variables),
            workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options,
            input: .inputWriter,
            output: .sequence,
            error: .sequence
        ) { execution in
            // All three pipes at once: a program blocked writing stderr would never finish reading stdin.
            async let fed: Void = Self.feed(payload, to: execution.standardInputWriter)
            async let stdout = Self.collect(execution.standardOutput, limit: Self.stdoutLimit)
            async let lastLine = stderrLog.consume(execution.standardError)
            await fed
            let (bytes, truncated) = await stdout
            return (bytes, truncated, await lastLine)
        }
        let (stdout, truncated, lastLine) = result.closureResult
        return Finished(status: result.terminationStatus, stdout: stdout, stdoutTruncated: truncated, lastStderrLine: lastLine)
    }

    /// Writes the envelope and closes stdin. A program may exit without reading it; the broken pipe that
    /// follows is not a failure of ours, the exit status tells.
    private static func feed(_ payload: Data, to writer: StandardInputWriter) async {
        if !payload.isEmpty {
            _ = try? await writer.write(Array(payload))
        }
        try? await writer.finish()
    }

    /// Reads all of stdout, keeping the first `limit` bytes.
    private static func collect(_ output: SubprocessOutputSequence, limit: Int) async -> ([UInt8], Bool) {
        var bytes: [UInt8] = []
        var truncated = false
        do {
            for try await buffer in output {
                buffer.withUnsafeBytes { raw in
                    let room = max(limit - bytes.count, 0)
                    if raw.count > room { truncated = true }
                    bytes.append(contentsOf: raw.prefix(room))
                }
            }
        } catch {
            // The process is gone and so is the pipe; what was read is all there is.
        }
        return (bytes, truncated)
    }

    /// The receipt from a JSON object on stdout, else "exit 0".
    static func receipt(stdout: [UInt8], truncated: Bool) -> DeliveryReceipt {
        guard !truncated else {
            return DeliveryReceipt(detail: "exit 0", metadata: ["stdout": "over 1 MiB, ignored"])
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(stdout))) as? [String: Any] else {
            return DeliveryReceipt(detail: "exit 0")
        }
        var receipt = DeliveryReceipt(detail: "exit 0")
        for (key, value) in object {
            switch key {
            case "provider_message_id": receipt.providerMessageId = text(value)
            case "detail": receipt.detail = text(value)
            default: receipt.metadata[key] = text(value)
            }
        }
        return receipt
    }

    /// A JSON value as receipt text: strings as they are, anything else as compact JSON.
    private static func text(_ value: Any) -> String {
        if let string = value as? String { return string }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }

    /// A program that cannot be started will not start on a retry either; running out of processes or
    /// memory may pass.
    static func launchFailure(_ error: any Error, program: String) -> DeliveryError {
        guard let error = error as? SubprocessError else { return .retry("cannot run \(program): \(error)") }
        let reason = error.underlyingError.map { String(cString: strerror($0.rawValue)) } ?? "\(error)"
        switch error.code {
        case .executableNotFound:
            return .permanent("cannot run \(program): it no longer exists")
        case .failedToChangeWorkingDirectory:
            return .permanent("cannot run \(program): cannot enter its working directory: \(reason)")
        case .spawnFailed:
            let permanent: Set<Int32> = [ENOENT, EACCES, ENOEXEC, ENOTDIR, ELOOP, EISDIR, EPERM]
            if let errno = error.underlyingError?.rawValue, permanent.contains(errno) {
                return .permanent("cannot run \(program): \(reason)")
            }
            return .retry("cannot run \(program): \(reason)")
        default:
            return .retry("cannot run \(program): \(reason)")
        }
    }

    /// Finds the program at setup: an absolute path as given, a bare name on `searchPath`.
    static func resolve(_ program: String, searchPath: String) throws(ChannelSetupError) -> String {
        if program.contains("/") {
            guard program.hasPrefix("/") else {
                throw ChannelSetupError(key: "command", "'\(program)' is a relative path; give an absolute path or a program name found on PATH")
            }
            if let problem = problem(with: program) {
                throw ChannelSetupError(key: "command", "'\(program)' \(problem)")
            }
            return program
        }
        for directory in searchPath.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory + "/" + program
            if problem(with: candidate) == nil { return candidate }
        }
        throw ChannelSetupError(key: "command", "'\(program)' was not found on PATH (\(searchPath)); install it or give its absolute path")
    }

    private static func problem(with path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "does not exist" }
        if isDirectory.boolValue { return "is a directory, not a program" }
        guard FileManager.default.isExecutableFile(atPath: path) else { return "is not executable (chmod +x)" }
        return nil
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGABRT: "SIGABRT",
            SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE",
            SIGTERM: "SIGTERM",
        ]
        return names[signal].map { " (\($0))" } ?? ""
    }
}

/// Logs a program's stderr line by line, bounded, and remembers the last line for the error message.
struct StderrLog: Sendable {
    let channel: String
    let logger: Logger
    /// Longer lines are cut.
    static let lineLimit = 1000
    /// Lines beyond this are counted, not logged.
    static let linesLogged = 100

    func consume(_ stream: SubprocessOutputSequence) async -> String? {
        var pending: [UInt8] = []
        var cut = false
        var logged = 0
        var skipped = 0
        var last: String?

        func finishLine() {
            defer {
                pending.removeAll(keepingCapacity: true)
                cut = false
            }
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            var line = String(decoding: pending, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return }
            if cut { line += "…" }
            last = line
            if logged < Self.linesLogged {
                logger.warning("\(channel): \(line)")
                logged += 1
            } else {
                skipped += 1
            }
        }

        do {
            for try await buffer in stream {
                buffer.withUnsafeBytes { raw in
                    for byte in raw {
                        if byte == UInt8(ascii: "\n") {
                            finishLine()
                        } else if pending.count < Self.lineLimit {
                            pending.append(byte)
                        } else {
                            cut = true
                        }
                    }
                }
            }
        } catch {
            // The pipe closed early; keep what arrived.
        }
        if !pending.isEmpty { finishLine() }
        if skipped > 0 { logger.warning("\(channel): \(skipped) more stderr lines not logged") }
        return last
    }
}

/// A program that exits without reading all of its stdin turns aerd's next write into SIGPIPE, whose default
/// action would end aerd; ignored, the write fails with EPIPE instead. SwiftNIO ignores SIGPIPE the same way,
/// and Subprocess resets signal dispositions in the programs it starts.
private let sigpipeIgnored: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()
