public import AerPluginAPI
import AsyncHTTPClient
import Foundation
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

/// Sends SMS through a Twilio-compatible Messages API (`type: sms`).
///
/// Each message is one form-encoded `POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json` with
/// HTTP Basic auth. The idempotency key travels as `I-Twilio-Idempotency-Token`, so a retried request does
/// not send a second SMS. Before anything is sent the recipient is checked for E.164 form and the body's
/// encoding and segment count are computed; a body over `max_segments` fails permanently.
///
/// Answers: 2xx → a receipt with the provider's message `sid`; 429, 5xx and network failures → retry
/// (after `Retry-After` when given); any other status → permanent, with the provider's error message and code.
///
/// The plugin owns one HTTP client; `shutdown()` must be called once when the channel is dropped.
public struct SMSPlugin: ChannelPlugin, CustomStringConvertible {
    /// The YAML `type:` of this channel.
    public static let type = "sms"

    /// The channel's configured id.
    public let id: String
    private let settings: SMSSettings
    private let messagesURL: String
    private let host: String
    private let userAgent: String
    private let timeout: TimeAmount
    private let client: HTTPClient
    private let logger: Logger

    /// Checks the settings and creates the channel's HTTP client.
    /// - Parameters:
    ///   - id: the channel's id.
    ///   - settings: the decoded settings.
    ///   - context: the host's logger and user agent.
    /// - Throws: `ChannelSetupError` naming the unusable key.
    public init(id: String, settings: SMSSettings, context: ChannelContext) throws(ChannelSetupError) {
        guard let base = URLComponents(string: settings.baseURL), let scheme = base.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = base.host, !host.isEmpty,
              base.query == nil, base.fragment == nil
        else {
            throw ChannelSetupError(key: "base_url", "'\(settings.baseURL)' is not an http(s) URL such as https://api.twilio.com")
        }
        guard !settings.accountSID.isEmpty else { throw ChannelSetupError(key: "account_sid", "must not be empty") }
        guard !settings.authToken.isEmpty else { throw ChannelSetupError(key: "auth_token", "must not be empty") }
        switch (settings.from, settings.messagingServiceSID) {
        case (nil, nil):
            throw ChannelSetupError(key: "from", "set either from (an E.164 number) or messaging_service_sid")
        case (.some, .some):
            throw ChannelSetupError(key: "messaging_service_sid", "set either from or messaging_service_sid, not both")
        case (let from?, nil):
            guard PhoneNumber.isE164(from) else {
                throw ChannelSetupError(key: "from", "'\(from)' is not an E.164 number: + then 8 to 15 digits, e.g. +14155550100")
            }
        case (nil, let service?):
            guard !service.isEmpty else { throw ChannelSetupError(key: "messaging_service_sid", "must not be empty") }
        }
        if let callback = settings.statusCallback {
            guard let url = URLComponents(string: callback), let scheme = url.scheme?.lowercased(),
                  scheme == "https" || scheme == "http", url.host?.isEmpty == false
            else {
                throw ChannelSetupError(key: "status_callback", "'\(callback)' is not an absolute http(s) URL")
            }
        }
        guard settings.maxSegments >= 1 else { throw ChannelSetupError(key: "max_segments", "must be at least 1") }
        guard settings.timeout > 0, settings.timeout <= 3600 else {
            throw ChannelSetupError(key: "timeout", "must be a number of seconds between 0 and 3600")
        }

        var root = settings.baseURL
        while root.hasSuffix("/") { root.removeLast() }
        self.id = id
        self.settings = settings
        self.messagesURL = "\(root)/2010-04-01/Accounts/\(Form.escape(settings.accountSID))/Messages.json"
        self.host = host
        self.userAgent = context.userAgent
        self.timeout = .nanoseconds(Int64(settings.timeout * 1e9))
        var logger = context.logger
        logger[metadataKey: "channel"] = "\(id)"
        self.logger = logger
        self.client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: timeout, read: timeout)),
            backgroundActivityLogger: logger)
    }

    /// The channel for logs, without secrets.
    public var description: String { "sms channel '\(id)' via \(host)" }

    /// Sends one SMS to `message.recipient.phone` with `message.text` as its body.
    /// - Parameter message: the rendered message.
    /// - Returns: the provider's `sid`, with the body's `encoding` and `segments` in the metadata.
    /// - Throws: `DeliveryError`: permanent for a bad number, an empty or too long body, or a 4xx answer;
    ///   retry for 429, 5xx and network failures.
    public func deliver(_ message: OutboundMessage) async throws(DeliveryError) -> DeliveryReceipt {
        guard let to = message.recipient.phone, !to.isEmpty else {
            throw .permanent("customer \(message.recipient.customerId) has no phone number")
        }
        guard PhoneNumber.isE164(to) else {
            throw .permanent("'\(to)' is not an E.164 number: + then 8 to 15 digits, e.g. +14155550123")
        }
        // Composed characters are what a handset shows and keep é in GSM-7 when a template was saved decomposed.
        let body = message.text.precomposedStringWithCanonicalMapping
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .permanent("the SMS body is empty")
        }
        let text = SMSText(body)
        guard text.segments <= settings.maxSegments else {
            throw .permanent(Self.tooLong(text, limit: settings.maxSegments))
        }
        let metadata = ["encoding": text.encoding.rawValue, "segments": "\(text.segments)"]

        var fields = [("To", to)]
        if let from = settings.from { fields.append(("From", from)) }
        if let service = settings.messagingServiceSID { fields.append(("MessagingServiceSid", service)) }
        fields.append(("Body", body))
        if let callback = settings.statusCallback { fields.append(("StatusCallback", callback)) }

        var request = HTTPClientRequest(url: messagesURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        request.headers.add(name: "I-Twilio-Idempotency-Token", value: message.idempotencyKey)
        request.setBasicAuth(username: settings.accountSID, password: settings.authToken)
        request.body = .bytes(ByteBuffer(string: Form.encode(fields)))

        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout, logger: logger)
        } catch {
            throw .retry("cannot reach \(host): \(Self.describe(error, timeout: settings.timeout))")
        }
        let status = Int(response.status.code)
        let answer = await Self.readBody(response.body, limit: 64 * 1024)
        let json = (try? JSONSerialization.jsonObject(with: Data(answer))) as? [String: Any]

        switch status {
        case 200..<300:
            var metadata = metadata
            let providerStatus = json?["status"] as? String
            if let providerStatus { metadata["status"] = providerStatus }
            let detail = ["HTTP \(status)", providerStatus].compactMap { $0 }.joined(separator: " ")
            logger.debug("SMS accepted", metadata: ["sid": "\(json?["sid"] as? String ?? "-")", "segments": "\(text.segments)"])
            return DeliveryReceipt(providerMessageId: json?["sid"] as? String, detail: detail, metadata: metadata)
        case 429, 500..<600:
            let delay = response.headers.first(name: "Retry-After").flatMap { RetryAfter.delay($0, now: Date()) }
            throw .retry("HTTP \(status): \(Self.providerError(json, body: answer, status: status))", after: delay)
        default:
            throw .permanent("HTTP \(status): \(Self.providerError(json, body: answer, status: status))")
        }
    }

    /// Closes the HTTP client's connections.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// "body needs 12 UCS-2 segments; max_segments is 10 — …", with the advice that fits the encoding.
    static func tooLong(_ text: SMSText, limit: Int) -> String {
        let head = "body needs \(text.segments) \(text.encoding.rawValue) segments; max_segments is \(limit)"
        guard let culprit = text.firstNonGSMCharacter else {
            return "\(head) — shorten the template (\(text.units) characters; 153 fit in each segment)"
        }
        let code = "U+" + String(culprit.value, radix: 16, uppercase: true).leftPadded(to: 4)
        return "\(head) — shorten the template or avoid characters outside GSM-7 such as '\(culprit)' (\(code)), "
            + "which make the whole body UCS-2 with 67 characters per segment instead of 153"
    }

    /// The provider's own explanation: Twilio's `message` and `code` (and `more_info`), else a body excerpt.
    static func providerError(_ json: [String: Any]?, body: [UInt8], status: Int) -> String {
        if let json, let text = json["message"] as? String {
            var parts = [text]
            if let code = json["code"], !(code is NSNull) { parts.append("(code \(code))") }
            if let more = json["more_info"] as? String, !more.isEmpty { parts.append(more) }
            return parts.joined(separator: " ")
        }
        let excerpt = excerpt(body)
        return excerpt.isEmpty ? HTTPResponseStatus(statusCode: status).reasonPhrase : excerpt
    }

    /// The first 200 characters of a body on one line.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(1024), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
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
            return "no answer within \(timeout == timeout.rounded() ? "\(Int(timeout))" : "\(timeout)") s"
        }
        if let error = error as? IOError {
            // NIO's own description repeats itself ("connection reset (error set): Connection refused) (errno: 111)").
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return "\(error)"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// `application/x-www-form-urlencoded`, as the Messages API expects it.
enum Form {
    /// `name=value&…`, each side percent-encoded.
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    /// Percent-encodes every byte but the RFC 3986 unreserved characters; `+` becomes `%2B`, space `%20`.
    static func escape(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}
