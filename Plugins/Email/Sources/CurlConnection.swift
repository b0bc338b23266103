import CCurlShim
import Foundation

/// The last complete reply the SMTP server sent during a transfer.
struct SMTPReply: Sendable, Hashable {
    /// The reply code, e.g. 250 or 550.
    let code: Int
    /// Every line of the reply, without CRLF, e.g. `["250 2.0.0 Ok: queued as 4Xz1"]`.
    let lines: [String]

    /// The final line, the one that carries the outcome.
    var finalLine: String { lines.last ?? "\(code)" }
    /// All lines on one line, for error messages.
    var text: String { lines.joined(separator: " ") }
}

/// How one send ended, before it is judged a success, a retry or a permanent failure.
struct TransferOutcome: Sendable {
    /// libcurl's result code (`CURLE_OK` is 0).
    let curlCode: UInt32
    /// libcurl's explanation of a failure (its error buffer, or the code's text).
    let curlMessage: String
    /// The server's answer to the message: the last 250 reply (to the end of DATA), or else the last reply.
    /// A QUIT that closes the session (221) comes after it and does not count.
    let reply: SMTPReply?
    /// The last error reply (4xx or 5xx) the server sent during this send, if any.
    let errorReply: SMTPReply?
    /// How many connections the send had to open: 0 when it reused the session of a previous message.
    let newConnections: Int
    /// Whether the server sent any reply during the send.
    var serverReplied: Bool { reply != nil }
}

/// One libcurl easy handle, and through it one SMTP session that stays open between messages, with the
/// thread it runs on. The handle is only ever used on that thread; the pool gives the connection to one
/// send at a time.
final class CurlConnection: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let thread: WorkerThread
    private let envelopeFrom: String

    /// Creates the handle and sets every option that stays the same from message to message.
    /// - Throws: `ConnectionError` when libcurl refuses an option (an old or limited build).
    init(configuration: SMTPConfiguration, name: String) throws(ConnectionError) {
        CurlRuntime.initialize()
        guard let handle = curl_easy_init() else { throw ConnectionError("libcurl could not create a handle") }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        envelopeFrom = configuration.envelopeFrom.value
        thread = WorkerThread(name: name)
        do {
            try configure(configuration)
        } catch {
            curl_easy_cleanup(handle)
            errorBuffer.deallocate()
            thread.stop()
            throw error
        }
    }

    private func configure(_ configuration: SMTPConfiguration) throws(ConnectionError) {
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, configuration.url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_UPLOAD, 1)
        try set(CURLOPT_MAIL_FROM, "<\(envelopeFrom)>")
        try set(CURLOPT_TIMEOUT_MS, configuration.timeoutMilliseconds)
        try set(CURLOPT_CONNECTTIMEOUT_MS, configuration.timeoutMilliseconds)
        try set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, configuration.timeoutMilliseconds / 1000))
        if !configuration.reuseConnections {
            try set(CURLOPT_FORBID_REUSE, 1)
        }
        switch configuration.security {
        case .plain: try set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        case .startTLS(let required): try set(CURLOPT_USE_SSL, Int((required ? CURLUSESSL_ALL : CURLUSESSL_TRY).rawValue))
        case .implicitTLS: break
        }
        if let caFile = configuration.caFile {
            try set(CURLOPT_CAINFO, caFile)
        }
        if configuration.insecureSkipVerify {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let username = configuration.username, let password = configuration.password {
            try set(CURLOPT_USERNAME, username)
            try set(CURLOPT_PASSWORD, password)
        }
        try check(aerd_curl_easy_setopt_read_function(handle, readBody), CURLOPT_READFUNCTION)
        // Every line the server sends reaches the header callback; the last reply is the outcome.
        try check(aerd_curl_easy_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, collectReply), CURLOPT_HEADERFUNCTION)
        // curl's default writes a response body to stdout; an SMTP upload has none, but never risk it.
        try check(aerd_curl_easy_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, discard), CURLOPT_WRITEFUNCTION)
    }

    /// Sends one message on the connection's thread.
    /// - Parameters:
    ///   - recipient: the envelope recipient (`RCPT TO`).
    ///   - message: the message, CRLF line endings; curl dot-stuffs it and adds the final `.`.
    func send(to recipient: String, message: [UInt8]) async -> TransferOutcome {
        await thread.run { [self] in
            let outcome = perform(recipient: recipient, message: message)
            // A session the server closed while it sat idle can look alive until curl writes to it. When a
            // reused session fails before the server said anything, nothing was accepted: try once more on a
            // fresh connection (curl has dropped the dead one) instead of failing the message.
            if outcome.curlCode != CURLE_OK.rawValue && outcome.newConnections == 0 && !outcome.serverReplied {
                return perform(recipient: recipient, message: message)
            }
            return outcome
        }
    }

    /// Ends the SMTP session (curl sends QUIT), frees the handle and stops the thread.
    func close() async {
        await thread.run { [self] in cleanUp() }
        thread.stop()
    }

    /// `close` without waiting: the thread quits the session, frees the handle and exits on its own.
    func closeInBackground() {
        thread.submit { [self] in cleanUp() }
        thread.stop()
    }

    private func cleanUp() {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    private func perform(recipient: String, message: [UInt8]) -> TransferOutcome {
        let state = TransferState(body: message)
        let statePointer = Unmanaged.passRetained(state).toOpaque()
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        errorBuffer[0] = 0
        var code = aerd_curl_easy_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients))
        if code == CURLE_OK { code = aerd_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, statePointer) }
        if code == CURLE_OK { code = aerd_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, statePointer) }
        if code == CURLE_OK { code = aerd_curl_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)) }
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        // The session outlives this send: detach everything that dies with it, so the QUIT reply at cleanup
        // (which also reaches the header callback) finds no dangling pointer.
        _ = aerd_curl_easy_setopt_pointer(handle, CURLOPT_READDATA, nil)
        _ = aerd_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, nil)
        _ = aerd_curl_easy_setopt_pointer(handle, CURLOPT_MAIL_RCPT, nil)
        curl_slist_free_all(recipients)
        Unmanaged<TransferState>.fromOpaque(statePointer).release()

        var connects = 0
        _ = aerd_curl_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        let explanation = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        return TransferOutcome(
            curlCode: code.rawValue, curlMessage: explanation, reply: state.lastAccepted ?? state.lastReply,
            errorReply: state.lastError, newConnections: connects)
    }

    private func set(_ option: CURLoption, _ value: Int) throws(ConnectionError) {
        try check(aerd_curl_easy_setopt_long(handle, option, value), option)
    }

    private func set(_ option: CURLoption, _ value: String) throws(ConnectionError) {
        try check(aerd_curl_easy_setopt_string(handle, option, value), option)
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(ConnectionError) {
        try check(aerd_curl_easy_setopt_pointer(handle, option, pointer), option)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(ConnectionError) {
        guard code == CURLE_OK else {
            throw ConnectionError("libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// libcurl could not be set up for this channel.
struct ConnectionError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What the callbacks of one send read and write; touched only on the connection's thread.
private final class TransferState {
    let body: [UInt8]
    var offset = 0
    var replyLines: [String] = []
    var lastReply: SMTPReply?
    var lastAccepted: SMTPReply?
    var lastError: SMTPReply?

    init(body: [UInt8]) {
        self.body = body
    }

    /// Takes one line the server sent: `250-…` continues a reply, `250 …` (or a bare code) ends it.
    func take(line bytes: UnsafeRawBufferPointer) {
        var utf8 = Array(bytes)
        while let last = utf8.last, last == 10 || last == 13 { utf8.removeLast() }
        guard utf8.count >= 3, utf8[0...2].allSatisfy({ (48...57).contains($0) }) else { return }
        let line = String(decoding: utf8, as: UTF8.self)
        let code = Int(utf8[0] - 48) * 100 + Int(utf8[1] - 48) * 10 + Int(utf8[2] - 48)
        replyLines.append(line)
        if utf8.count == 3 || utf8[3] != UInt8(ascii: "-") {
            let reply = SMTPReply(code: code, lines: replyLines)
            replyLines = []
            lastReply = reply
            if code == 250 { lastAccepted = reply }
            if code >= 400 { lastError = reply }
        }
    }
}

private func readBody(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let length = min(size * count, state.body.count - state.offset)
    guard length > 0 else { return 0 }
    state.body.withUnsafeBytes { bytes in
        UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + state.offset, byteCount: length)
    }
    state.offset += length
    return length
}

private func collectReply(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let userdata else { return length }
    Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
        .take(line: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func discard(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    size * count
}

/// libcurl's process-wide setup, done once before the first handle (curl_global_init is not meant to race).
enum CurlRuntime {
    private static let initialized: Bool = {
        // With CURLOPT_NOSIGNAL (required with threads) curl leaves SIGPIPE alone, and a TLS write to a
        // connection the server has closed would kill the process. Ignore it, as swift-nio does on Linux.
        _ = signal(SIGPIPE, SIG_IGN)
        return aerd_curl_global_init_default() == CURLE_OK
    }()

    static func initialize() {
        _ = initialized
    }

    /// Whether this libcurl speaks `scheme` (`smtp`, `smtps`).
    static func supports(_ scheme: String) -> Bool {
        initialize()
        guard let info = aerd_curl_version_info_now(), var protocols = info.pointee.protocols else { return false }
        while let name = protocols.pointee {
            if String(cString: name) == scheme { return true }
            protocols += 1
        }
        return false
    }

    /// The libcurl version and TLS library, for the startup log.
    static var version: String {
        String(cString: curl_version())
    }
}
