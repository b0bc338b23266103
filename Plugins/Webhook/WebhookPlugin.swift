public import AerPluginAPI
import AsyncHTTPClient
public import Foundation
import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// POSTs each message's JSON envelope to a URL, signed as Standard Webhooks specify (`type: webhook`).
///
/// The body is `OutboundMessage.payload`, byte for byte, with `webhook-id` (the idempotency key, the same on
/// every retry), `webhook-timestamp` (unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, one
/// per configured secret). Receivers check them with any Standard Webhooks library, or with
/// `StandardWebhookSignature.verify`.
///
/// Answers: 2xx → delivered; 408, 429, 5xx, network failures and timeouts → retry (after `Retry-After` when
/// given); 410 → the endpoint is gone, the channel is disabled; any other status → permanent. Redirects are
/// not followed: a signed POST belongs at the configured URL.
///
/// The plugin owns one HTTP client; `shutdown()` must be called once when the channel is dropped.
public struct WebhookPlugin: ChannelPlugin, CustomStringConvertible {
    /// The YAML `type:` of this channel.
    public static let type = "webhook"

    /// The channel's configured id.
    public let id: String
    private let url: String
    /// The URL as logs and error messages show it, without a path that may hold a secret.
    private let endpoint: String
    private let keys: [Data]
    private let headers: [(String, String)]
    private let userAgent: String
    private let timeoutSeconds: Double
    private let clock: @Sendable () -> Date
    private let client: HTTPClient
    private let logger: Logger

    /// Headers the plugin sets itself, which `headers:` may not replace.
    static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "transfer-encoding", "host", "connection",
        "webhook-id", "webhook-timestamp", "webhook-signature",
    ]

    /// Checks the settings and creates the channel's HTTP client.
    /// - Parameters:
    ///   - id: the channel's id.
    ///   - settings: the decoded settings.
    ///   - context: the host's logger and user agent.
    /// - Throws: `ChannelSetupError` naming the unusable key.
    public init(id: String, settings: WebhookSettings, context: ChannelContext) throws(ChannelSetupError) {
        try self.init(id: id, settings: settings, context: context, clock: { Date() })
    }

    /// Creates the channel with its own clock for `webhook-timestamp`, for tests.
    /// - Parameters:
    ///   - id: the channel's id.
    ///   - settings: the decoded settings.
    ///   - context: the host's logger and user agent.
    ///   - clock: the current time.
    /// - Throws: `ChannelSetupError` naming the unusable key.
    public init(
        id: String, settings: WebhookSettings, context: ChannelContext, clock: @escaping @Sendable () -> Date
    ) throws(ChannelSetupError) {
        guard let components = URLComponents(string: settings.url), let scheme = components.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty
        else {
            // Only scheme and host are shown: providers put secrets in the path.
            throw ChannelSetupError(key: "url", "'\(settings.endpoint)' is not an http(s) URL such as https://example.com/hooks/aerd")
        }
        let secrets: [(key: String, value: String)]
        switch (settings.secret, settings.secrets) {
        case (nil, nil):
            throw ChannelSetupError(key: "secret", "missing: set secret (whsec_…) or, while rotating, secrets: [whsec_…, …]")
        case (.some, .some):
            throw ChannelSetupError(key: "secrets", "set secret or secrets, not both")
        case (let secret?, nil):
            secrets = [("secret", secret)]
        case (nil, let list?):
            guard !list.isEmpty else { throw ChannelSetupError(key: "secrets", "must list at least one secret") }
            secrets = list.indices.map { ("secrets[\($0)]", list[$0]) }
        }
        var keys: [Data] = []
        for (key, secret) in secrets {
            guard secret.hasPrefix("whsec_"), let bytes = StandardWebhookSignature.key(fromSecret: secret) else {
                throw ChannelSetupError(
                    key: key, "not a Standard Webhooks secret: expected whsec_ then base64, e.g. whsec_\(Self.exampleSecret)")
            }
            keys.append(bytes)
        }
        guard settings.timeout > 0, settings.timeout <= 3600 else {
            throw ChannelSetupError(key: "timeout", "must be a number of seconds between 0 and 3600")
        }
        var headers: [(String, String)] = []
        for (name, value) in settings.headers.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw ChannelSetupError(key: "headers.\(name)", "not a valid HTTP header name")
            }
            guard !Self.reservedHeaders.contains(name.lowercased()) else {
                throw ChannelSetupError(key: "headers.\(name)", "set by the webhook channel itself; remove it")
            }
            guard !value.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) else {
                throw ChannelSetupError(key: "headers.\(name)", "a header value cannot contain line breaks")
            }
            headers.append((name, value))
        }

        self.id = id
        self.url = settings.url
        self.endpoint = settings.endpoint
        self.keys = keys
        self.headers = headers
        self.userAgent = context.userAgent
        self.timeoutSeconds = settings.timeout
        self.clock = clock
        var logger = context.logger
        logger[metadataKey: "channel"] = "\(id)"
        self.logger = logger
        let timeout = TimeAmount.nanoseconds(Int64(settings.timeout * 1e9))
        self.client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout)),
            backgroundActivityLogger: logger)
    }

    /// The channel for logs, without secrets.
    public var description: String { "webhook channel '\(id)' to \(endpoint)" }

    /// POSTs `message.payload`, signed.
    /// - Parameter message: the rendered message; its `payload` is the body and its `idempotencyKey` the `webhook-id`.
    /// - Returns: "HTTP 2xx".
    /// - Throws: `DeliveryError`: retry for 408, 429, 5xx and network failures, `.disableChannel` for 410,
    ///   permanent for any other status.
    public func deliver(_ message: OutboundMessage) async throws(DeliveryError) -> DeliveryReceipt {
        let timestamp = Int64(clock().timeIntervalSince1970.rounded(.down))
        let signatures = keys.map {
            StandardWebhookSignature.sign(key: $0, id: message.idempotencyKey, timestamp: timestamp, body: message.payload)
        }

        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !request.headers.contains(name: "User-Agent") { request.headers.add(name: "User-Agent", value: userAgent) }
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "webhook-id", value: message.idempotencyKey)
        request.headers.add(name: "webhook-timestamp", value: "\(timestamp)")
        request.headers.add(name: "webhook-signature", value: signatures.joined(separator: " "))
        request.body = .bytes(ByteBuffer(bytes: message.payload))

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .nanoseconds(Int64(timeoutSeconds * 1e9)), logger: logger)
        } catch {
            throw .retry("POST \(endpoint) failed: \(Self.describe(error, timeout: timeoutSeconds))")
        }
        let status = Int(response.status.code)
        let body = await Self.readBody(response.body, limit: 4096)

        switch status {
        case 200..<300:
            return DeliveryReceipt(detail: "HTTP \(status)")
        case 408, 429, 500..<600:
            let delay = response.headers.first(name: "Retry-After").flatMap { RetryAfter.delay($0, now: clock()) }
            throw .retry(Self.failure(status, body), after: delay)
        case 410:
            logger.error("webhook endpoint is gone (HTTP 410 Gone from \(endpoint)); the channel is disabled until its configuration changes")
            throw DeliveryError(.disableChannel, Self.failure(status, body))
        case 300..<400:
            let location = response.headers.first(name: "Location").map { " to \($0)" } ?? ""
            throw .permanent("HTTP \(status) redirect\(location): webhooks are not redirected; configure the final URL")
        default:
            throw .permanent(Self.failure(status, body))
        }
    }

    /// Closes the HTTP client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// "HTTP 400 Bad Request: <first 200 characters of the body>".
    static func failure(_ status: Int, _ body: [UInt8]) -> String {
        let head = "HTTP \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)"
        let text = String(decoding: body.prefix(1024), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return head }
        return head + ": " + (text.count > 200 ? String(text.prefix(200)) + "…" : text)
    }

    /// Reads up to `limit` bytes of a response body; the rest is dropped with the connection.
    static func readBody(_ body: HTTPClientResponse.Body, limit: Int) async -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await chunk in body {
                bytes += chunk.readableBytesView.prefix(limit - bytes.count)
                if bytes.count >= limit { break }
            }
        } catch {
            // A body cut short still tells what arrived; the status line already decided the outcome.
        }
        return bytes
    }

    static func describe(_ error: any Error, timeout: Double) -> String {
        if let error = error as? HTTPClientError,
           [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            return "no answer within \(Self.seconds(timeout)) s"
        }
        if let error = error as? IOError {
            // NIO's own description repeats itself ("connection reset (error set): Connection refused) (errno: 111)").
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : "\(value)"
    }

    /// RFC 9110 token characters, which header names consist of.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static let exampleSecret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}
