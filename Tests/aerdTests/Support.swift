import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The repository root (this file is Tests/aerdTests/Support.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The `aerd` binary built next to this test bundle.
let aerdBinary: String = {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent(), bundleDirectory.deletingLastPathComponent().deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("aerd").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return repositoryRoot + "/.build/debug/aerd"
}()

/// Environment for the example configuration.
let exampleEnvironment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment
    environment["AERD_WRITE_KEY"] = "test_write_key"
    environment["AERD_ADMIN_TOKEN"] = "test_admin_token"
    return environment
}()

struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `aerd` with `arguments` to completion.
func aerd(_ arguments: [String], environment: [String: String] = exampleEnvironment, directory: String = repositoryRoot) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: aerdBinary)
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "aerd-cli-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A running `aerd run` on 127.0.0.1 with a free port.
final class Daemon: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stderr: FileHandle

    init(state: String, config: String = repositoryRoot + "/config") throws {
        process.executableURL = URL(fileURLWithPath: aerdBinary)
        process.arguments = ["run", "--config", config, "--state", state, "--listen", "127.0.0.1:0"]
        process.environment = exampleEnvironment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        stderr = err.fileHandleForReading
        try process.run()
        // The daemon logs "aerd listening on http://127.0.0.1:PORT" once the listener is bound.
        var seen = ""
        var found: Int?
        while found == nil {
            let chunk = stderr.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: "listening on http://127.0.0.1:") {
                let digits = seen[range.upperBound...].prefix { $0.isNumber }
                found = Int(digits)
            }
        }
        guard let found else { throw DaemonError(message: "aerd did not start: \(seen)") }
        port = found
        // Keep reading, so a chatty daemon never blocks on a full pipe.
        stderr.readabilityHandler = { _ = $0.availableData }
    }

    struct DaemonError: Error { var message: String }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Sends SIGTERM and waits for the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// An HTTP request to the daemon; returns status and body.
func request(_ method: String, _ url: String, body: String? = nil, headers: [String: String] = [:]) async throws -> (Int, String) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body { request.httpBody = Data(body.utf8) }
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

let writeAuth = ["Authorization": "Basic " + Data("test_write_key:".utf8).base64EncodedString(), "Content-Type": "application/json"]
let adminAuth = ["Authorization": "Bearer test_admin_token"]

/// Polls `condition` until it holds or `seconds` pass; the daemon's engine runs on its own schedule.
func eventually(seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return false
}
