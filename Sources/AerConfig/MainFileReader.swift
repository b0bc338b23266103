import AerCore
import AerJSON
import AerLogging
import Foundation
import Logging

/// What `aerd.yaml` yields besides channels (which go into the model for later reference checks).
struct MainSettings {
    var server: ServerSettings?
    var stateDirectory = "state"
    var store = StoreSettings(path: "aerd.sqlite")
    var ingest: IngestSettings?
    var defaults = Defaults()
    var analytics: AnalyticsSettings?
    var optOut: OptOutSettings?
    var log = LogSettings()
}

/// `aerd.yaml`.
extension ConfigReader {
    mutating func mainFile(_ root: Fields, into model: inout ConfigModel) -> MainSettings {
        checkKeys(root, allowed: ["server", "state_dir", "store", "ingest", "defaults", "channels", "analytics", "opt_out", "log"], in: "aerd.yaml")
        var settings = MainSettings()
        if let value = root["channels"], let items = list(value, of: "channels") {
            for item in items {
                if let channel = channel(item, &model) { model.channels.append(channel) }
            }
        }
        if let value = required(root, "server", hint: "aerd.yaml needs server: with at least admin_token:") {
            settings.server = server(value)
        }
        if let value = root["state_dir"], let directory = nonEmptyString(value, "a directory") {
            settings.stateDirectory = directory
        }
        if let value = root["store"], let store = store(value) { settings.store = store }
        if let value = required(root, "ingest", hint: "aerd.yaml needs ingest: with at least one write key") {
            settings.ingest = ingest(value)
        }
        if let value = root["defaults"], let defaults = defaults(value, model) { settings.defaults = defaults }
        if let value = root["analytics"] { settings.analytics = analytics(value) }
        if let value = root["opt_out"] { settings.optOut = optOut(value) }
        if let value = root["log"], let log = log(value) { settings.log = log }
        return settings
    }

    private mutating func server(_ node: YAMLNode) -> ServerSettings? {
        guard let fields = mapping(node, "a mapping", allowed: ["listen", "max_body", "admin_token", "shutdown_grace"], in: "server") else { return nil }
        var listen: ListenAddress? = ServerSettings(adminToken: "").listen
        if let value = fields["listen"] {
            listen = nil
            if let text = string(value, "an address") {
                listen = ListenAddress(parsing: text)
                if listen == nil {
                    error(value.location, "'\(text)' is not a listen address", hint: "write HOST:PORT, such as 127.0.0.1:8088 or [::1]:8088")
                }
            }
        }
        var maxBody: Int? = 2_097_152
        if let value = fields["max_body"] { maxBody = size(value) }
        let token = required(fields, "admin_token", hint: "write admin_token: ${env:AERD_ADMIN_TOKEN} and set the variable")
            .flatMap { nonEmptyString($0) }
        let grace = fields["shutdown_grace"].map { duration($0) }
        guard let listen, let maxBody, let token, grace != .some(nil) else { return nil }
        return ServerSettings(listen: listen, maxBodyBytes: maxBody, adminToken: token, shutdownGrace: grace.flatMap { $0 } ?? .seconds(10))
    }

    /// Bytes: an integer, or a number with B, KB, KiB, MB or MiB.
    private mutating func size(_ node: YAMLNode) -> Int? {
        let hint = "write bytes or a size with a unit: 512KiB, 2MiB, 1MB"
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("KB", 1000), ("MB", 1_000_000), ("B", 1)]
        var bytes: Double?
        switch node.content {
        case .number(let value):
            bytes = value
        case .string(let text):
            for (suffix, scale) in units where text.hasSuffix(suffix) {
                if let value = Double(text.dropLast(suffix.count).trimmingWhitespace()), value.isFinite { bytes = value * scale }
                break
            }
            if bytes == nil {
                error(node.location, "'\(text)' is not a size", hint: hint)
                return nil
            }
        default:
            expected("a size", node, hint: hint)
            return nil
        }
        guard let bytes, bytes >= 1, bytes < 1e15, bytes == bytes.rounded() else {
            error(node.location, "'\(node.scalarText ?? "")' is not a whole number of bytes above 0", hint: hint)
            return nil
        }
        return Int(bytes)
    }

    private mutating func store(_ node: YAMLNode) -> StoreSettings? {
        guard let fields = mapping(node, "a mapping", allowed: ["path", "busy_timeout"], in: "store") else { return nil }
        let path = fields["path"].map { nonEmptyString($0, "a path") }
        let timeout = fields["busy_timeout"].map { duration($0) }
        guard path != .some(nil), timeout != .some(nil) else { return nil }
        return StoreSettings(path: path.flatMap { $0 } ?? "aerd.sqlite", busyTimeout: timeout.flatMap { $0 } ?? .seconds(5))
    }

    private mutating func ingest(_ node: YAMLNode) -> IngestSettings? {
        guard let fields = mapping(node, "a mapping", allowed: ["write_keys"], in: "ingest") else { return nil }
        guard let value = required(fields, "write_keys", hint: "add write_keys: [{source: web, key: ${env:AERD_WRITE_KEY}}]"),
            let items = list(value, of: "write keys")
        else { return nil }
        if items.isEmpty {
            error(value.location, "'write_keys' needs at least one write key")
            return nil
        }
        var keys: [WriteKey] = []
        var sources: [String: SourceLocation] = [:]
        var ok = true
        for item in items {
            guard let entry = mapping(item, "a write key", allowed: ["source", "key"], in: "write key") else {
                ok = false
                continue
            }
            let sourceNode = required(entry, "source")
            let source = sourceNode.flatMap { identifier($0) }
            let key = required(entry, "key").flatMap { nonEmptyString($0) }
            if let source, let sourceNode, !register(source, sourceNode, in: &sources, "write key source") { ok = false }
            if let key, let keyNode = entry["key"], let other = keys.first(where: { $0.key == key }) {
                error(keyNode.location, "write key for source '\(source ?? "?")' is the same as for source '\(other.source)'",
                      hint: "give every source its own key")
                ok = false
            }
            guard let source, let key else {
                ok = false
                continue
            }
            keys.append(WriteKey(source: source, key: key))
        }
        return ok ? IngestSettings(writeKeys: keys) : nil
    }

    private mutating func defaults(_ node: YAMLNode, _ model: ConfigModel) -> Defaults? {
        guard let fields = mapping(node, "a mapping", allowed: ["timezone", "quiet_hours", "frequency_cap"], in: "defaults") else { return nil }
        let timezone = fields["timezone"].map { self.timezone($0) }
        let quiet = fields["quiet_hours"].map { quietHours($0) }
        let cap = fields["frequency_cap"].map { frequencyCap($0, model) }
        guard timezone != .some(nil), quiet != .some(nil), cap != .some(nil) else { return nil }
        return Defaults(timezone: timezone.flatMap { $0 } ?? "UTC", quietHours: quiet ?? nil, frequencyCap: cap ?? nil)
    }

    private mutating func timezone(_ node: YAMLNode) -> String? {
        guard let name = nonEmptyString(node, "a time zone") else { return nil }
        guard TimeZoneNames.isValid(name) else {
            let near = Spelling.nearest(to: name, among: TimeZone.knownTimeZoneIdentifiers)
            error(node.location, "unknown time zone '\(name)'",
                  hint: near.map { "did you mean '\($0)'?" } ?? "use an IANA name such as Europe/Berlin, America/New_York or UTC")
            return nil
        }
        return name
    }

    private mutating func optOut(_ node: YAMLNode) -> OptOutSettings? {
        let keys = ["base_url", "secret", "sms_auth_token", "sms_inbound_url"]
        guard let fields = mapping(node, "a mapping", allowed: keys, in: "opt_out") else { return nil }
        var baseURL = required(fields, "base_url", hint: "the address customers reach aerd at, such as https://stride.example").flatMap { nonEmptyString($0) }
        if let url = baseURL, let value = fields["base_url"], !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            error(value.location, "'\(url)' is not an http(s) URL", hint: "write https://HOST[:PORT][/PATH]; unsubscribe links are BASE_URL/u/TOKEN")
            baseURL = nil
        }
        var secret = required(fields, "secret", hint: "write secret: ${env:AERD_UNSUBSCRIBE_SECRET}, at least 16 characters").flatMap { nonEmptyString($0) }
        if let text = secret, text.utf8.count < 16, let value = fields["secret"] {
            error(value.location, "the unsubscribe secret is shorter than 16 characters", hint: "use a long random value, e.g. from openssl rand -hex 32")
            secret = nil
        }
        let token = fields["sms_auth_token"].map { nonEmptyString($0) }
        let inbound = fields["sms_inbound_url"].map { nonEmptyString($0) }
        if token != nil && inbound == nil, let value = fields["sms_auth_token"] {
            error(value.location, "sms_auth_token needs sms_inbound_url", hint: "the signature covers the exact URL your SMS provider calls, e.g. https://stride.example/v1/sms/inbound")
            return nil
        }
        guard let baseURL, let secret, token != .some(nil), inbound != .some(nil) else { return nil }
        return OptOutSettings(baseURL: baseURL, secret: secret, smsAuthToken: token ?? nil, smsInboundURL: inbound ?? nil)
    }

    private mutating func log(_ node: YAMLNode) -> LogSettings? {
        guard let fields = mapping(node, "a mapping", allowed: ["format", "level"], in: "log") else { return nil }
        let format = fields["format"].map { enumValue($0, LogFormat.self, "log format") }
        let level = fields["level"].map { enumValue($0, Logger.Level.self, "log level") }
        guard format != .some(nil), level != .some(nil) else { return nil }
        return LogSettings(format: format ?? nil, level: level ?? nil)
    }

    private mutating func analytics(_ node: YAMLNode) -> AnalyticsSettings? {
        let keys = ["refit", "period", "horizon", "discount_rate", "margin"]
        guard let fields = mapping(node, "a mapping", allowed: keys, in: "analytics") else { return nil }
        var refit = fields["refit"].map { duration($0) }
        if let value = refit ?? nil, value.millis < AerDuration.minutes(1).millis, let node = fields["refit"] {
            error(node.location, "'refit' must be at least 1m", hint: "models change slowly; refit daily with 1d")
            refit = .some(nil)
        }
        var horizon = fields["horizon"].map { duration($0) }
        if let value = horizon ?? nil, !(AerDuration.days(1).millis...AerDuration.days(36_500).millis).contains(value.millis),
            let node = fields["horizon"]
        {
            error(node.location, "'horizon' must be between 1d and 36500d", hint: "lifetime value is usually projected a year ahead: 52w")
            horizon = .some(nil)
        }
        var period: AnalyticsSettings.Period?? = nil
        if let node = fields["period"] {
            period = .some(node.scalarText.flatMap(AnalyticsSettings.Period.init(rawValue:)))
            if period == .some(nil) { error(node.location, "'period' must be day or week", hint: "day counts at most one purchase a day") }
        }
        var discount = fields["discount_rate"].map { number($0) }
        if let value = discount ?? nil, value < 0, let node = fields["discount_rate"] {
            error(node.location, "'discount_rate' must not be negative", hint: "write a yearly rate such as 0.1 for 10%")
            discount = .some(nil)
        }
        var margin = fields["margin"].map { number($0) }
        if let value = margin ?? nil, !(0...1).contains(value), let node = fields["margin"] {
            error(node.location, "'margin' must be between 0 and 1", hint: "write the gross margin as a fraction, such as 0.4 for 40%")
            margin = .some(nil)
        }
        guard refit != .some(nil), horizon != .some(nil), discount != .some(nil), margin != .some(nil), period != .some(nil) else {
            return nil
        }
        return AnalyticsSettings(
            refit: refit ?? nil, horizon: horizon ?? nil, discountRate: discount ?? nil, margin: margin ?? nil, period: period ?? nil)
    }

    private mutating func channel(_ node: YAMLNode, _ model: inout ConfigModel) -> ChannelDefinition? {
        guard let fields = mapping(node, "a channel") else { return nil }
        let id = required(fields, "id").flatMap { identifier($0) }
        if let id, let idNode = fields["id"] { register(id, idNode, in: &model.channelIDs, "channel") }
        var type: ChannelType?
        if let value = required(fields, "type", hint: "the type picks the plugin: email, sms, webhook or exec") {
            type = enumValue(value, ChannelType.self, "channel type")
        }
        let settings = jsonObject(node, skipping: ["id", "type"])
        guard let id, let type, let settings else { return nil }
        return ChannelDefinition(id: id, type: type, settings: settings, location: node.location)
    }
}

/// IANA time zone names.
enum TimeZoneNames {
    static func isValid(_ name: String) -> Bool {
        let safe = !name.hasPrefix("/") && !name.split(separator: "/").contains("..")
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_+-/".unicodeScalars.contains($0)) }
        guard safe else { return false }
        if TimeZone(identifier: name) != nil { return true }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/" + name, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
