public import AerCore
public import AerJSON
public import AerLogging
public import Logging

/// A loaded and validated configuration directory: everything aerd needs to run, with secrets resolved.
public struct AerConfiguration: Sendable {
    /// The config directory, as given to the loader.
    public var directory: String
    /// HTTP server settings (`server:`).
    public var server: ServerSettings
    /// Where aerd keeps its state (`state_dir:`, default `state`), relative to the working directory.
    public var stateDirectory: String
    /// The event store (`store:`).
    public var store: StoreSettings
    /// Segment-spec ingest (`ingest:`).
    public var ingest: IngestSettings
    /// Defaults every strategy inherits (`defaults:`).
    public var defaults: Defaults
    /// Model settings for the analytics (`analytics:`); nil when the section is absent.
    public var analytics: AnalyticsSettings?
    /// Unsubscribe links and inbound SMS keywords; nil when not configured.
    public var optOut: OptOutSettings?
    /// Log format and level (`log:`); each nil when not set, so the command line, environment or default decide.
    public var log = LogSettings()
    /// Plain segments from `segments/*.yaml`, in file and document order.
    public var segments: [SegmentDefinition]
    /// Lifecycle sets from `segments/*.yaml`, in file and document order.
    public var lifecycles: [LifecycleSet]
    /// Strategies from `strategies/*.yaml`, in file and document order.
    public var strategies: [Strategy]
    /// Channels from `aerd.yaml`, in document order.
    public var channels: [ChannelDefinition]
    /// Templates from `templates/`, by name.
    public var templates: [String: TemplateSource]
    /// A stable hex SHA-256 over the paths and contents of every file loaded (YAML and templates).
    public var fingerprint: String
    /// One line for operators: `3 segments, 1 lifecycle set (7 stages), 3 strategies, 3 channels, 5 templates`.
    public var summary: String

    /// A configuration made of the given parts; the loader is the usual way to get one.
    /// - Parameters:
    ///   - directory: The config directory.
    ///   - server: HTTP server settings.
    ///   - stateDirectory: Where state lives.
    ///   - store: The event store.
    ///   - ingest: Segment-spec ingest.
    ///   - defaults: Strategy defaults.
    ///   - analytics: Model settings, if any.
    ///   - segments: Plain segments.
    ///   - lifecycles: Lifecycle sets.
    ///   - strategies: Strategies.
    ///   - channels: Channels.
    ///   - templates: Templates by name.
    ///   - fingerprint: A hash of the loaded files.
    public init(
        directory: String, server: ServerSettings, stateDirectory: String = "state", store: StoreSettings = StoreSettings(),
        ingest: IngestSettings, defaults: Defaults = Defaults(), analytics: AnalyticsSettings? = nil,
        segments: [SegmentDefinition] = [], lifecycles: [LifecycleSet] = [], strategies: [Strategy] = [],
        channels: [ChannelDefinition] = [], templates: [String: TemplateSource] = [:], fingerprint: String = ""
    ) {
        self.directory = directory
        self.server = server
        self.stateDirectory = stateDirectory
        self.store = store
        self.ingest = ingest
        self.defaults = defaults
        self.analytics = analytics
        self.segments = segments
        self.lifecycles = lifecycles
        self.strategies = strategies
        self.channels = channels
        self.templates = templates
        self.fingerprint = fingerprint
        self.summary = ""
        self.summary = Self.summarize(self)
    }

    /// `3 segments, 1 lifecycle set (7 stages), 3 strategies, 3 channels, 5 templates`.
    static func summarize(_ config: AerConfiguration) -> String {
        func count(_ n: Int, _ singular: String, _ plural: String) -> String { "\(n) \(n == 1 ? singular : plural)" }
        var sets = count(config.lifecycles.count, "lifecycle set", "lifecycle sets")
        if !config.lifecycles.isEmpty {
            sets += " (" + count(config.lifecycles.reduce(0) { $0 + $1.stages.count }, "stage", "stages") + ")"
        }
        return [
            count(config.segments.count, "segment", "segments"), sets,
            count(config.strategies.count, "strategy", "strategies"),
            count(config.channels.count, "channel", "channels"),
            count(config.templates.count, "template", "templates"),
        ].joined(separator: ", ")
    }

    /// The channel with `id`, if configured.
    /// The database file: `store.path` if absolute, else inside the state directory; `stateDirectory`
    /// (from `--state`) replaces `state_dir` when given.
    public func storePath(stateDirectory override: String? = nil) -> String {
        if store.path.hasPrefix("/") { return store.path }
        let directory = override ?? stateDirectory
        return directory.hasSuffix("/") ? directory + store.path : directory + "/" + store.path
    }

    public func channel(_ id: String) -> ChannelDefinition? { channels.first { $0.id == id } }

    /// The lifecycle set with `id`, if configured.
    public func lifecycle(_ id: String) -> LifecycleSet? { lifecycles.first { $0.id == id } }

    /// The plain segment with `id`, if configured.
    public func segment(_ id: String) -> SegmentDefinition? { segments.first { $0.id == id } }

    /// The strategy with `id`, if configured.
    public func strategy(_ id: String) -> Strategy? { strategies.first { $0.id == id } }
}

/// Where the HTTP server listens: `HOST:PORT` (`[::1]:8088` for IPv6).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address, without brackets.
    public var host: String
    /// TCP port, 1…65535.
    public var port: Int

    /// The address `host`:`port`.
    /// - Parameters:
    ///   - host: Host name or IP address, without brackets.
    ///   - port: TCP port.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:8088`, `localhost:8088`, `[::1]:8088`; nil for anything else.
    /// - Parameter text: The address as written in YAML.
    public init?(parsing text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { return nil }
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }),
            portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// `log:` in aerd.yaml.
public struct LogSettings: Sendable, Hashable {
    /// `log.format`: text, json or journald; nil when not set.
    public var format: LogFormat?
    /// `log.level`: trace … critical; nil when not set.
    public var level: Logger.Level?

    /// Log settings as written; both nil means `log:` is absent.
    /// - Parameters:
    ///   - format: `log.format`.
    ///   - level: `log.level`.
    public init(format: LogFormat? = nil, level: Logger.Level? = nil) {
        self.format = format
        self.level = level
    }
}

/// `server:` in aerd.yaml.
public struct ServerSettings: Sendable, Hashable {
    /// Where to listen; default `127.0.0.1:8088`.
    public var listen: ListenAddress
    /// Largest accepted request body in bytes; default 2 MiB.
    public var maxBodyBytes: Int
    /// Bearer token for the admin API (a secret; resolved from `${env:…}` / `${file:…}` when written so).
    public var adminToken: String
    /// How long sends in flight may finish when aerd stops or reloads before they are cancelled (their
    /// messages are due again at once); default 10s. Keep it below systemd's `TimeoutStopSec`.
    public var shutdownGrace: AerDuration

    /// Server settings.
    /// - Parameters:
    ///   - listen: Where to listen.
    ///   - maxBodyBytes: Largest accepted request body.
    ///   - adminToken: Bearer token for the admin API.
    ///   - shutdownGrace: How long sends in flight may finish on stop or reload.
    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8088), maxBodyBytes: Int = 2_097_152, adminToken: String,
        shutdownGrace: AerDuration = .seconds(10)
    ) {
        self.listen = listen
        self.maxBodyBytes = maxBodyBytes
        self.adminToken = adminToken
        self.shutdownGrace = shutdownGrace
    }
}

/// `store:` in aerd.yaml.
public struct StoreSettings: Sendable, Hashable {
    /// The SQLite database file as written in YAML: absolute, or relative to the state directory
    /// (see `AerConfiguration.storePath(stateDirectory:)`).
    public var path: String
    /// How long SQLite waits for a lock before giving up; default 5s.
    public var busyTimeout: AerDuration

    /// Store settings.
    /// - Parameters:
    ///   - path: The database file.
    ///   - busyTimeout: How long to wait for a lock.
    public init(path: String = "aerd.sqlite", busyTimeout: AerDuration = .seconds(5)) {
        self.path = path
        self.busyTimeout = busyTimeout
    }
}

/// A Segment write key: senders authenticate with `key` as the Basic-auth user; events are tagged `source`.
public struct WriteKey: Sendable, Hashable {
    /// The source name events through this key are tagged with.
    public var source: String
    /// The key itself (a secret).
    public var key: String

    /// A write key.
    /// - Parameters:
    ///   - source: The source name.
    ///   - key: The key.
    public init(source: String, key: String) {
        self.source = source
        self.key = key
    }
}

/// `ingest:` in aerd.yaml.
public struct IngestSettings: Sendable, Hashable {
    /// The accepted write keys (at least one).
    public var writeKeys: [WriteKey]

    /// Ingest settings.
    /// - Parameter writeKeys: The accepted write keys.
    public init(writeKeys: [WriteKey]) { self.writeKeys = writeKeys }

    /// Largest single message, fixed by the Segment spec (32 KB).
    public var maxMessageBytes: Int { 32_768 }
    /// Largest `/v1/batch` request, fixed by the Segment spec (500 KB).
    public var maxBatchBytes: Int { 512_000 }
}

/// `defaults:` in aerd.yaml: what strategies inherit unless their policy says otherwise.
public struct Defaults: Sendable, Hashable {
    /// IANA time zone for customers without a time zone trait; default `UTC`.
    public var timezone: String
    /// Quiet hours for every strategy without its own.
    public var quietHours: QuietHours?
    /// Frequency cap for every strategy without its own.
    public var frequencyCap: FrequencyCap?

    /// Defaults.
    /// - Parameters:
    ///   - timezone: IANA time zone.
    ///   - quietHours: Quiet hours.
    ///   - frequencyCap: Frequency cap.
    public init(timezone: String = "UTC", quietHours: QuietHours? = nil, frequencyCap: FrequencyCap? = nil) {
        self.timezone = timezone
        self.quietHours = quietHours
        self.frequencyCap = frequencyCap
    }
}

/// `opt_out:` in aerd.yaml: signed one-click unsubscribe links and inbound SMS STOP/START.
public struct OptOutSettings: Sendable, Hashable {
    /// Where customers reach aerd; links are `base_url/u/TOKEN`.
    public var baseURL: String
    /// HMAC key for unsubscribe tokens (a secret).
    public var secret: String
    /// The SMS provider's auth token, to verify `X-Twilio-Signature` on inbound messages.
    public var smsAuthToken: String?
    /// The exact URL the provider posts inbound messages to (part of the signature).
    public var smsInboundURL: String?

    public init(baseURL: String, secret: String, smsAuthToken: String? = nil, smsInboundURL: String? = nil) {
        self.baseURL = baseURL
        self.secret = secret
        self.smsAuthToken = smsAuthToken
        self.smsInboundURL = smsInboundURL
    }
}

/// `analytics:` in aerd.yaml (the customer-value models): nil fields were not written.
public struct AnalyticsSettings: Sendable, Hashable {
    /// The unit of model time a purchase history is counted in: `day` or `week`.
    public enum Period: String, Sendable, Hashable, CaseIterable {
        case day, week
    }

    /// How often the models are refitted; nil: only on demand (`aerd clv refit`).
    public var refit: AerDuration?
    /// The unit of model time; nil means `day`.
    public var period: Period?
    /// How far ahead lifetime value is projected.
    public var horizon: AerDuration?
    /// Yearly discount rate for lifetime value, ≥ 0 (0.1 is 10 %).
    public var discountRate: Double?
    /// Gross margin applied to revenue, 0…1.
    public var margin: Double?

    /// Analytics settings.
    /// - Parameters:
    ///   - refit: Refit interval.
    ///   - horizon: Projection horizon.
    ///   - discountRate: Yearly discount rate.
    ///   - margin: Gross margin.
    ///   - period: Unit of model time.
    public init(
        refit: AerDuration? = nil, horizon: AerDuration? = nil, discountRate: Double? = nil, margin: Double? = nil,
        period: Period? = nil
    ) {
        self.refit = refit
        self.period = period
        self.horizon = horizon
        self.discountRate = discountRate
        self.margin = margin
    }
}

/// The channel plugins a channel's `type:` can pick.
public enum ChannelType: String, Sendable, Hashable, CaseIterable {
    case email, sms, webhook, exec
}

/// One entry of `channels:` in aerd.yaml.
public struct ChannelDefinition: Sendable, Hashable {
    /// The id actions refer to.
    public var id: String
    /// The plugin that delivers through it.
    public var type: ChannelType
    /// Every other key of the entry, for the plugin to read; secrets already resolved.
    public var settings: JSONObject
    /// Where the entry is, for the plugin's own diagnostics.
    public var location: SourceLocation

    /// A channel.
    /// - Parameters:
    ///   - id: The id actions refer to.
    ///   - type: The plugin.
    ///   - settings: The plugin's settings.
    ///   - location: Where the entry is.
    public init(id: String, type: ChannelType, settings: JSONObject = [:], location: SourceLocation) {
        self.id = id
        self.type = type
        self.settings = settings
        self.location = location
    }
}

/// One template: `NAME.text.mustache` (required) with optional `NAME.html.mustache` and `NAME.subject.mustache`.
public struct TemplateSource: Sendable, Hashable {
    /// The name actions refer to.
    public var name: String
    /// The plain-text body.
    public var text: String
    /// The HTML body, if any.
    public var html: String?
    /// The subject line (email), if any.
    public var subject: String?
    /// Path of the text file, as shown to the operator.
    public var textPath: String
    /// Path of the HTML file, if any.
    public var htmlPath: String?
    /// Path of the subject file, if any.
    public var subjectPath: String?

    /// A template.
    /// - Parameters:
    ///   - name: The name.
    ///   - text: The plain-text body.
    ///   - html: The HTML body.
    ///   - subject: The subject line.
    ///   - textPath: Path of the text file.
    ///   - htmlPath: Path of the HTML file.
    ///   - subjectPath: Path of the subject file.
    public init(name: String, text: String, html: String? = nil, subject: String? = nil, textPath: String,
                htmlPath: String? = nil, subjectPath: String? = nil) {
        self.name = name
        self.text = text
        self.html = html
        self.subject = subject
        self.textPath = textPath
        self.htmlPath = htmlPath
        self.subjectPath = subjectPath
    }
}
