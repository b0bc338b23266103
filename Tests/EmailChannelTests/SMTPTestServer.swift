import AerPluginAPI
import Foundation
import Logging
import Testing

@testable import EmailChannel

/// A real SMTP server (aiosmtpd, `smtp_server.py` beside this file) on 127.0.0.1, one per test.
///
/// Python comes from `AERD_TEST_PYTHON`, else the repository's `.venv` (made by `scripts/test`).
final class SMTPTestServer: @unchecked Sendable {
    enum TLS: String {
        case none, starttls, implicit
    }

    let port: Int
    /// The server's self-signed certificate (PEM), when it speaks TLS.
    let certificate: String?
    private let process: Process
    private let input: Pipe
    private let directory: URL
    private let recordFile: URL
    private let errorFile: URL

    /// Starts a server and waits for the line saying it listens.
    static func start(
        tls: TLS = .none, auth: String? = nil, rcptReply: String? = nil, dropReused: Bool = false
    ) async throws -> SMTPTestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aerd-email-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let recordFile = directory.appendingPathComponent("received.jsonl")
        let errorFile = directory.appendingPathComponent("server.err")
        _ = FileManager.default.createFile(atPath: recordFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try pythonPath())
        var arguments = [helperPath, "--record", recordFile.path, "--tls", tls.rawValue]
        if let auth { arguments += ["--auth", auth] }
        if let rcptReply { arguments += ["--rcpt-reply", rcptReply] }
        if dropReused { arguments.append("--drop-reused") }
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()

        let reader = output.fileHandleForReading
        let line = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: Self.readLine(reader)) }
        }
        struct Ready: Decodable {
            let port: Int
            let cert: String?
        }
        guard let line, let ready = try? JSONDecoder().decode(Ready.self, from: Data(line.utf8)) else {
            let stderr = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw HelperError("smtp_server.py did not start (run scripts/test to make .venv): \(stderr)")
        }
        return SMTPTestServer(
            port: ready.port, certificate: ready.cert, process: process, input: input, directory: directory,
            recordFile: recordFile, errorFile: errorFile)
    }

    private init(
        port: Int, certificate: String?, process: Process, input: Pipe, directory: URL, recordFile: URL, errorFile: URL
    ) {
        self.port = port
        self.certificate = certificate
        self.process = process
        self.input = input
        self.directory = directory
        self.recordFile = recordFile
        self.errorFile = errorFile
    }

    /// Runs `body` with a fresh server and stops the server afterwards, whatever happens.
    static func with<T>(
        tls: TLS = .none, auth: String? = nil, rcptReply: String? = nil, dropReused: Bool = false,
        _ body: (SMTPTestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(tls: tls, auth: auth, rcptReply: rcptReply, dropReused: dropReused)
        defer { server.stop() }
        return try await body(server)
    }

    /// Every message the server accepted so far, in order. The server writes a record before it answers
    /// 250, so a send that returned has its record here.
    func received() throws -> [ReceivedMessage] {
        let data = try Data(contentsOf: recordFile)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(ReceivedMessage.self, from: Data($0)) }
    }

    /// Closing stdin tells the helper to exit; it removes its own certificate directory.
    func stop() {
        try? input.fileHandleForWriting.close()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Paths

    private static var testsDirectory: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent() }
    private static var helperPath: String { testsDirectory.appendingPathComponent("smtp_server.py").path }

    private static func pythonPath() throws -> String {
        if let python = ProcessInfo.processInfo.environment["AERD_TEST_PYTHON"], !python.isEmpty { return python }
        let repository = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        let venv = repository.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: venv) else {
            throw HelperError("no Python with aiosmtpd: set AERD_TEST_PYTHON or run scripts/test (it creates \(venv))")
        }
        return venv
    }

    private static func readLine(_ handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            bytes += chunk
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: bytes[..<newline], as: UTF8.self)
            }
        }
    }
}

struct HelperError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One message as the test server received it.
struct ReceivedMessage: Decodable {
    /// Counts TCP connections from 1; equal numbers mean one SMTP session.
    let connection: Int
    let tls: Bool
    let login: String?
    let mailFrom: String
    let rcptTos: [String]
    let queueId: String
    /// The message as it arrived (after the server undid dot-stuffing), base64.
    let data: String
    let parsed: Parsed

    /// What Python's `email` package made of it.
    struct Parsed: Decodable {
        let headers: [[String]]
        let addresses: [String: [[String]]]
        let contentType: String
        let date: String?
        let parts: [Part]
        let defects: [String]
    }

    struct Part: Decodable {
        let contentType: String
        let charset: String?
        let transferEncoding: String?
        /// The decoded bytes, base64.
        let content: String

        var bytes: [UInt8] { Array(Data(base64Encoded: content) ?? Data()) }
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    var raw: [UInt8] { Array(Data(base64Encoded: data) ?? Data()) }

    /// The decoded value of the only header called `name`; nil when absent or repeated.
    func header(_ name: String) -> String? {
        let values = parsed.headers.filter { $0[0].lowercased() == name.lowercased() }
        return values.count == 1 ? values[0][1] : nil
    }

    var headerNames: [String] { parsed.headers.map { $0[0] } }
}

/// Channels and messages for the tests.
enum Fixture {
    static let from = "Stride Sneakers <hello@stride.example>"
    /// 2025-07-01 09:05:03 UTC.
    static let instant = Date(timeIntervalSince1970: 1_751_360_703)

    static func settings(
        _ server: SMTPTestServer?, port: Int? = nil, scheme: String = "smtp", host: String = "127.0.0.1"
    ) -> SMTPChannel.Settings {
        SMTPChannel.Settings(url: "\(scheme)://\(host):\(port ?? server?.port ?? 25)", from: from, timeout: 10)
    }

    static func channel(_ settings: SMTPChannel.Settings) throws(ChannelSetupError) -> SMTPChannel {
        var logger = Logger(label: "email-test")
        logger.logLevel = .critical
        return try SMTPChannel(id: "email", settings: settings, context: ChannelContext(logger: logger), now: { instant })
    }

    static func message(
        key: String = "retain_drifting:t0:cust-42:m7:0", to email: String? = "ada@example.com", name: String? = "Ada Lovelace",
        subject: String? = "We miss you", text: String = "Hello Ada,\r\ncome back.\r\n", html: String? = nil,
        unsubscribeURL: String? = nil, attempt: Int = 1
    ) -> OutboundMessage {
        OutboundMessage(
            idempotencyKey: key, channel: "email", recipient: Recipient(customerId: "cust-42", email: email, name: name),
            subject: subject, text: text, html: html, unsubscribeURL: unsubscribeURL, payload: Data("{}".utf8),
            attempt: attempt)
    }
}

/// Runs `body` and returns the `DeliveryError` it throws; fails the test when it throws none.
func deliveryError(_ body: () async throws(DeliveryError) -> DeliveryReceipt) async -> DeliveryError? {
    do {
        let receipt = try await body()
        Issue.record("expected a DeliveryError, got \(receipt)")
        return nil
    } catch {
        return error
    }
}
