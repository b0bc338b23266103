public import AerConfig
import AerJSON
public import AerPluginAPI
import EmailChannel
import ExecChannel
import Foundation
import SMSChannel
import WebhookChannel

/// The channel plugins aerd ships, and how configured channels are built from them.
///
/// Plugins are registered by one explicit list, never discovered: adding a channel type means adding its
/// target to Package.swift and its type here.
public enum ChannelRegistry {
    /// Every plugin aerd ships; each one's `type` is the YAML `type:` that selects it.
    static let plugins: [any ChannelPlugin.Type] = [SMTPChannel.self, SMSPlugin.self, WebhookPlugin.self, ExecPlugin.self]

    /// The YAML `type:` values the registered plugins answer to.
    public static var types: [String] { plugins.map { $0.type } }

    /// Builds every configured channel: reads the host keys (`concurrency`, `rate_limit`, `max_attempts`,
    /// `backoff`, `consent`, `consent_trait`), decodes the remaining keys as the plugin's settings and creates
    /// the plugin.
    ///
    /// Every problem of every channel is reported, not only the first. When there is any, the channels that
    /// were built are shut down again before this returns. On success the caller owns the channels and calls
    /// `shutdown(_:)` when it drops them.
    /// - Parameters:
    ///   - definitions: the `channels:` entries of aerd.yaml.
    ///   - context: the logger and user agent handed to each plugin.
    /// - Returns: the channels by id, or every problem, each at its channel's position in the file.
    public static func build(
        _ definitions: [ChannelDefinition], context: ChannelContext
    ) async -> Result<[String: ConfiguredChannel], ChannelBuildErrors> {
        var channels: [String: ConfiguredChannel] = [:]
        var problems: [ChannelBuildErrors.Problem] = []
        for definition in definitions {
            func fail(_ key: String?, _ message: String) {
                problems.append(.init(channel: definition.id, key: key, message: message, location: definition.location))
            }
            guard channels[definition.id] == nil else {
                fail(nil, "defined twice; channel ids must be unique")
                continue
            }
            let type = definition.type.rawValue
            guard let plugin = plugins.first(where: { $0.type == type }) else {
                fail("type", "no plugin for type '\(type)'; aerd has \(types.joined(separator: ", "))")
                continue
            }
            let (limits, settings, hostProblems) = HostKeys.read(definition.settings, type: type)
            for problem in hostProblems { fail(problem.key, problem.message) }
            do throws(ChannelSetupError) {
                let built = try make(plugin, id: definition.id, settings: Data(JSONWriter.bytes(.object(settings))), context: context)
                if hostProblems.isEmpty {
                    channels[definition.id] = ConfiguredChannel(id: definition.id, type: type, plugin: built, limits: limits)
                } else {
                    await built.shutdown()
                }
            } catch {
                fail(error.key, error.message)
            }
        }
        guard problems.isEmpty else {
            await shutdown(channels)
            return .failure(ChannelBuildErrors(problems: problems))
        }
        return .success(channels)
    }

    /// A channel's host-level limits (concurrency, rate, attempts, backoff, consent) without building its
    /// plugin: for dry runs that must not open connections. Invalid keys fall back to the defaults;
    /// `build` and `aerd validate` report them.
    public static func limits(of definition: ChannelDefinition) -> DispatchLimits {
        HostKeys.read(definition.settings, type: definition.type.rawValue).limits
    }

    /// Checks the channels as `build(_:context:)` does and shuts down whatever it built: for `aerd validate`.
    /// - Parameters:
    ///   - definitions: the `channels:` entries of aerd.yaml.
    ///   - context: the logger and user agent handed to each plugin.
    /// - Returns: the problems, or nil when every channel can be built.
    public static func check(_ definitions: [ChannelDefinition], context: ChannelContext) async -> ChannelBuildErrors? {
        switch await build(definitions, context: context) {
        case .success(let channels):
            await shutdown(channels)
            return nil
        case .failure(let errors):
            return errors
        }
    }

    /// Shuts every channel down (closes connections, stops threads); call once, when the channels are dropped.
    /// - Parameter channels: the channels `build(_:context:)` returned.
    public static func shutdown(_ channels: [String: ConfiguredChannel]) async {
        await withDiscardingTaskGroup { group in
            for channel in channels.values {
                group.addTask { await channel.shutdown() }
            }
        }
    }

    /// Decodes a plugin's settings and creates it; generic so that the plugin's `Settings` type is known.
    /// - Parameters:
    ///   - type: the plugin.
    ///   - id: the channel id.
    ///   - settings: the plugin's keys as a JSON object.
    ///   - context: the logger and user agent.
    /// - Returns: the plugin.
    /// - Throws: `ChannelSetupError` naming the key at fault.
    static func make<P: ChannelPlugin>(
        _ type: P.Type, id: String, settings: Data, context: ChannelContext
    ) throws(ChannelSetupError) -> any ChannelPlugin {
        let decoded = try ChannelSettingsDecoder.decode(P.Settings.self, from: settings)
        return try P(id: id, settings: decoded, context: context)
    }
}

/// A channel ready to send: its plugin and how the dispatcher treats it.
public struct ConfiguredChannel: Sendable {
    /// The channel's `id:`, which actions refer to.
    public let id: String
    /// The channel's `type:` (the plugin's type).
    public let type: String
    /// The plugin that delivers through the channel.
    public let plugin: any ChannelPlugin
    /// Concurrency, rate limit, attempts, backoff and consent.
    public let limits: DispatchLimits

    /// What consent the channel needs; the policy stage enforces it.
    public var consent: ChannelConsent { limits.consent }

    /// - Parameters:
    ///   - id: the channel's id.
    ///   - type: the channel's type.
    ///   - plugin: the plugin that delivers.
    ///   - limits: how the dispatcher treats the channel.
    public init(id: String, type: String, plugin: any ChannelPlugin, limits: DispatchLimits) {
        self.id = id
        self.type = type
        self.plugin = plugin
        self.limits = limits
    }

    /// Releases the plugin's connections and threads.
    public func shutdown() async {
        await plugin.shutdown()
    }
}

/// Why channels could not be built: every problem, each naming the channel and the key at fault.
///
/// Each diagnostic reads `FILE:LINE:COLUMN: error: channel 'sms': auth_token: missing required key`; the
/// position is the channel's entry in aerd.yaml, the closest one known for keys the plugin reads.
public struct ChannelBuildErrors: Error, Sendable, CustomStringConvertible {
    /// One problem with one channel.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The channel's id.
        public var channel: String
        /// The key at fault (`auth_token`, `backoff.max`), when one is.
        public var key: String?
        /// What is wrong and how to fix it.
        public var message: String
        /// The channel's entry in aerd.yaml.
        public var location: SourceLocation

        /// - Parameters:
        ///   - channel: the channel's id.
        ///   - key: the key at fault, if one is.
        ///   - message: what is wrong.
        ///   - location: the channel's entry.
        public init(channel: String, key: String?, message: String, location: SourceLocation) {
            self.channel = channel
            self.key = key
            self.message = message
            self.location = location
        }

        /// The problem as a configuration diagnostic, to sort and print with the loader's.
        public var diagnostic: Diagnostic {
            Diagnostic(at: location, message: "channel '\(channel)': " + (key.map { "\($0): " } ?? "") + message)
        }

        /// `FILE:LINE:COLUMN: error: channel 'ID': KEY: MESSAGE`.
        public var description: String { diagnostic.description }
    }

    /// The problems, in the order of the channels in the file.
    public var problems: [Problem]

    /// - Parameter problems: the problems found.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// The problems as configuration diagnostics.
    public var diagnostics: [Diagnostic] { problems.map(\.diagnostic) }

    /// One diagnostic per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
