import Foundation
public import Logging

/// A delivery channel: email, SMS, webhook, an external program. The only protocol a plugin implements.
///
/// aerd creates one instance per configured channel (a YAML entry under `channels:` whose `type:` is the
/// plugin's `type`), hands it rendered messages, and retries according to the `DeliveryError` it throws.
/// The same `OutboundMessage.idempotencyKey` is passed on every attempt.
public protocol ChannelPlugin<Settings>: Sendable {
    /// The plugin's typed configuration, decoded from the channel's YAML keys (snake_case).
    associatedtype Settings: ChannelSettings

    /// The YAML `type:` that selects this plugin, e.g. `"email"`.
    static var type: String { get }

    /// Creates the channel.
    /// - Parameters:
    ///   - id: the channel's `id:` in the configuration.
    ///   - settings: the decoded configuration.
    ///   - context: logger and other host services.
    /// - Throws: `ChannelSetupError` when the settings are valid YAML but unusable (bad URL, unreadable file).
    init(id: String, settings: Settings, context: ChannelContext) throws(ChannelSetupError)

    /// Delivers one message. Returns once the provider has accepted it.
    /// - Parameter message: the rendered message.
    /// - Returns: the provider's answer.
    /// - Throws: `DeliveryError`, saying whether a retry can succeed.
    func deliver(_ message: OutboundMessage) async throws(DeliveryError) -> DeliveryReceipt

    /// Releases connections and other resources; called once at shutdown or when the channel is replaced.
    func shutdown() async
}

extension ChannelPlugin {
    public func shutdown() async {}
}

/// A plugin's configuration: `Decodable` from the channel's YAML keys, which are snake_case.
///
/// `keys` lists the accepted keys so that a misspelt key is reported instead of silently ignored.
public protocol ChannelSettings: Decodable, Sendable {
    /// Every key the plugin accepts (besides `id` and `type`, which the host reads).
    static var keys: [String] { get }
}

/// Host services handed to a plugin.
public struct ChannelContext: Sendable {
    /// Where the plugin logs; never log secrets or full message bodies.
    public var logger: Logger
    /// The product token plugins send to providers (HTTP `User-Agent`), e.g. `aerd/0.1.0`.
    public var userAgent: String

    /// - Parameters:
    ///   - logger: where the plugin logs.
    ///   - userAgent: the product token for providers; the daemon passes `aerd/<version>`.
    public init(logger: Logger, userAgent: String = "aerd") {
        self.logger = logger
        self.userAgent = userAgent
    }
}

/// A channel's settings are unusable.
public struct ChannelSetupError: Error, Sendable, CustomStringConvertible {
    /// The key at fault, if one is.
    public var key: String?
    /// What is wrong and how to fix it.
    public var message: String

    public init(key: String? = nil, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.map { "\($0): \(message)" } ?? message }
}
