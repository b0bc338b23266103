public import Foundation

/// A rendered message, ready for a channel.
public struct OutboundMessage: Sendable, Hashable {
    /// Stable across retries: derived from strategy, trigger, customer, migration and action index.
    /// Plugins pass it to the provider (webhook-id, Message-ID) so receivers can drop duplicates.
    public var idempotencyKey: String
    /// The configured channel id.
    public var channel: String
    /// Who receives it.
    public var recipient: Recipient
    /// Email subject, when the template has one.
    public var subject: String?
    /// The plain-text body (SMS text, email text part).
    public var text: String
    /// The HTML body (email), already escaped by the template engine.
    public var html: String?
    /// Free-form parameters from the action's `params:`.
    public var params: [String: String]
    /// The one-click unsubscribe URL for this customer and channel, when the host has one.
    public var unsubscribeURL: String?
    /// The full context as a JSON document (customer, migration, strategy, event, rendered parts): the
    /// webhook body and the exec plugin's stdin. Schema in docs/plugins.md.
    public var payload: Data
    /// 1 for the first attempt.
    public var attempt: Int

    public init(
        idempotencyKey: String, channel: String, recipient: Recipient, subject: String? = nil, text: String,
        html: String? = nil, params: [String: String] = [:], unsubscribeURL: String? = nil, payload: Data, attempt: Int = 1
    ) {
        self.idempotencyKey = idempotencyKey
        self.channel = channel
        self.recipient = recipient
        self.subject = subject
        self.text = text
        self.html = html
        self.params = params
        self.unsubscribeURL = unsubscribeURL
        self.payload = payload
        self.attempt = attempt
    }
}

/// The customer a message is for, with the addresses the host knows.
public struct Recipient: Sendable, Hashable {
    /// aerd's customer id (the userId when known).
    public var customerId: String
    public var email: String?
    /// E.164 phone number.
    public var phone: String?
    /// Display name, for an email `To:` header.
    public var name: String?

    public init(customerId: String, email: String? = nil, phone: String? = nil, name: String? = nil) {
        self.customerId = customerId
        self.email = email
        self.phone = phone
        self.name = name
    }
}

/// What the provider said when it accepted a message.
public struct DeliveryReceipt: Sendable, Hashable {
    /// The provider's id for the message (SMS sid, SMTP queue id, …).
    public var providerMessageId: String?
    /// A short human-readable answer ("250 2.0.0 Ok: queued", "HTTP 202").
    public var detail: String
    /// Facts worth recording (e.g. `segments: 2`, `encoding: GSM-7`).
    public var metadata: [String: String]

    public init(providerMessageId: String? = nil, detail: String, metadata: [String: String] = [:]) {
        self.providerMessageId = providerMessageId
        self.detail = detail
        self.metadata = metadata
    }
}

/// A failed delivery: whether trying again can help, and when.
public struct DeliveryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the dispatcher should do.
    public enum Disposition: Sendable, Hashable {
        /// Try again later (network error, 4xx SMTP, HTTP 429/5xx).
        case retry(after: Duration?)
        /// Never retry this message (bad address, HTTP 4xx, SMTP 5xx).
        case permanent
        /// The endpoint is gone (HTTP 410): stop using the channel until the configuration changes.
        case disableChannel
    }

    public var disposition: Disposition
    /// The provider's message or what went wrong, without secrets.
    public var message: String

    public init(_ disposition: Disposition, _ message: String) {
        self.disposition = disposition
        self.message = message
    }

    /// A transient failure.
    public static func retry(_ message: String, after: Duration? = nil) -> DeliveryError {
        DeliveryError(.retry(after: after), message)
    }

    /// A failure that retrying cannot fix.
    public static func permanent(_ message: String) -> DeliveryError {
        DeliveryError(.permanent, message)
    }

    /// Whether a later attempt may succeed.
    public var isRetryable: Bool {
        if case .retry = disposition { return true }
        return false
    }

    public var description: String { message }
}
