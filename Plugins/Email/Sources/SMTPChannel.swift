public import AerPluginAPI
public import Foundation
import Logging

/// The email channel (`type: email`): sends each message over SMTP with libcurl — plain, STARTTLS or
/// implicit TLS, with AUTH when a username is set.
///
/// Messages are RFC 5322 with a `multipart/alternative` body (text, then HTML) or a single text part, a
/// Message-ID derived from the idempotency key (the same on every retry), and RFC 8058 one-click
/// `List-Unsubscribe` when the message has an https unsubscribe URL.
///
/// SMTP sessions are kept open and reused from message to message, up to `max_connections` at once;
/// further sends wait for a free one. libcurl blocks, so every session has a thread of its own and no
/// send ever blocks Swift's cooperative pool.
public struct SMTPChannel: ChannelPlugin {
    /// `email`.
    public static let type = "email"

    private let id: String
    private let logger: Logger
    private let configuration: SMTPConfiguration
    private let composer: MessageComposer
    private let pool: ConnectionPool
    private let now: @Sendable () -> Date

    /// Creates the channel and opens (lazily: connects on the first send) its first connection.
    /// - Parameters:
    ///   - id: the channel's `id:`.
    ///   - settings: the channel's settings.
    ///   - context: the logger.
    /// - Throws: `ChannelSetupError` naming the setting at fault.
    public init(id: String, settings: Settings, context: ChannelContext) throws(ChannelSetupError) {
        try self.init(id: id, settings: settings, context: context, now: { Date() })
    }

    /// Creates the channel with a clock of the caller's, for the `Date:` header.
    /// - Parameters:
    ///   - id: the channel's `id:`.
    ///   - settings: the channel's settings.
    ///   - context: the logger.
    ///   - now: the current instant; tests pass a fixed one.
    /// - Throws: `ChannelSetupError` naming the setting at fault.
    public init(
        id: String, settings: Settings, context: ChannelContext, now: @escaping @Sendable () -> Date
    ) throws(ChannelSetupError) {
        let configuration = try SMTPConfiguration(settings)
        let from: Mailbox
        do {
            from = try Mailbox(parsing: settings.from)
        } catch {
            throw ChannelSetupError(key: "from", "'\(settings.from)' is not a usable sender: \(error)")
        }
        var replyTo: Mailbox?
        if let text = settings.replyTo {
            do {
                replyTo = try Mailbox(parsing: text)
            } catch {
                throw ChannelSetupError(key: "reply_to", "'\(text)' is not a usable mailbox: \(error)")
            }
        }
        var mailto: String?
        if let text = settings.listUnsubscribeMailto {
            mailto = try Self.mailtoURI(text)
        }
        let scheme = configuration.security == .implicitTLS ? "smtps" : "smtp"
        guard CurlRuntime.supports(scheme) else {
            throw ChannelSetupError(key: "url", "this libcurl (\(CurlRuntime.version)) cannot speak \(scheme)")
        }

        var logger = context.logger
        logger[metadataKey: "channel"] = "\(id)"
        let first: CurlConnection
        do {
            first = try CurlConnection(configuration: configuration, name: "aerd-smtp-1")
        } catch {
            throw ChannelSetupError(error.description)
        }
        self.id = id
        self.logger = logger
        self.configuration = configuration
        self.composer = MessageComposer(from: from, replyTo: replyTo, unsubscribeMailto: mailto)
        // Thread names are cut at 15 characters on Linux: the number tells the connections apart.
        self.pool = ConnectionPool(first: first, capacity: configuration.maxConnections) {
            (number: Int) throws(ConnectionError) -> CurlConnection in
            try CurlConnection(configuration: configuration, name: "aerd-smtp-\(number)")
        }
        self.now = now

        if configuration.insecureSkipVerify {
            logger.warning(
                "insecure_skip_verify is on: any certificate is accepted, so TLS protects nothing; use ca_file instead")
        }
        if configuration.sendsPasswordInClear {
            logger.warning("the SMTP password is sent without TLS (starttls: never); use starttls: required or smtps://")
        }
        logger.debug(
            "email channel ready",
            metadata: ["endpoint": "\(configuration.endpoint)", "max_connections": "\(configuration.maxConnections)"])
    }

    /// Sends one message to `message.recipient.email`.
    /// - Parameter message: the rendered message; `subject`, `text`, `html` and `unsubscribeURL` are used.
    /// - Returns: the server's final reply (`250 …`) as `detail`, the queue id when the reply names one,
    ///   and `message_id` in `metadata`.
    /// - Throws: `DeliveryError`: permanent for a missing or invalid address and for 5xx replies; retry
    ///   for 4xx replies, connection failures and timeouts.
    public func deliver(_ message: OutboundMessage) async throws(DeliveryError) -> DeliveryReceipt {
        guard let email = message.recipient.email?.trimmingSpaces(), !email.isEmpty else {
            throw .permanent("customer '\(message.recipient.customerId)' has no email address")
        }
        let recipient: EmailAddress
        do {
            recipient = try EmailAddress(email)
        } catch {
            throw .permanent("recipient address '\(Self.printable(email))' is invalid: \(error)")
        }
        let composed = composer.compose(message, to: recipient, at: now())
        var logger = logger
        logger[metadataKey: "idempotency_key"] = "\(message.idempotencyKey)"
        for omission in composed.omissions {
            logger.warning("\(omission)")
        }

        let connection: CurlConnection
        switch await pool.acquire() {
        case .connection(let leased): connection = leased
        case .closed: throw .retry("the email channel '\(id)' is shutting down")
        case .failed(let error): throw .retry("the email channel '\(id)' cannot open a connection: \(error)")
        }
        let outcome = await connection.send(to: recipient.value, message: composed.bytes)
        await pool.release(connection)

        switch DeliveryVerdict.judge(outcome, endpoint: configuration.endpoint, messageID: composed.messageID) {
        case .success(let receipt):
            logger.debug("email accepted", metadata: ["reply": "\(receipt.detail)", "connection": "\(receipt.metadata["connection"] ?? "")"])
            return receipt
        case .failure(let error):
            logger.debug("email not accepted", metadata: ["error": "\(error.message)", "retry": "\(error.isRetryable)"])
            throw error
        }
    }

    /// Ends every SMTP session (QUIT) once the sends in flight are done; later sends fail with a retry.
    public func shutdown() async {
        await pool.close()
    }

    /// `list_unsubscribe_mailto` as a URI: an address becomes `mailto:address?subject=unsubscribe`, a
    /// `mailto:` URI is kept as written.
    static func mailtoURI(_ text: String) throws(ChannelSetupError) -> String {
        let trimmed = text.trimmingSpaces()
        let address: String
        if trimmed.lowercased().hasPrefix("mailto:") {
            address = String(trimmed.dropFirst("mailto:".count).prefix { $0 != "?" })
        } else {
            address = trimmed
        }
        do {
            _ = try EmailAddress(address)
        } catch {
            throw ChannelSetupError(key: "list_unsubscribe_mailto", "'\(text)' is not a usable address: \(error)")
        }
        if trimmed.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) {
            throw ChannelSetupError(key: "list_unsubscribe_mailto", "'\(text)' must be percent-encoded ASCII without spaces")
        }
        return address == trimmed ? "mailto:\(address)?subject=unsubscribe" : trimmed
    }

    /// `text` safe for an error message: control characters shown as `?`, at most 256 characters.
    private static func printable(_ text: String) -> String {
        let scalars = text.unicodeScalars.prefix(256).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) }
        return String(scalars) + (text.unicodeScalars.count > 256 ? "…" : "")
    }
}
