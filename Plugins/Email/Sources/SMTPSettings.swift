public import AerPluginAPI

extension SMTPChannel {
    /// The email channel's configuration, from the channel's YAML keys (snake_case).
    ///
    /// ```yaml
    /// channels:
    ///   - id: email
    ///     type: email
    ///     url: smtp://smtp.example.net:587
    ///     from: "Stride Sneakers <hello@stride.example>"
    ///     username: stride
    ///     password: ${env:SMTP_PASSWORD}
    /// ```
    /// `description` never shows the password.
    public struct Settings: ChannelSettings, CustomStringConvertible {
        /// `smtp://host[:port]` (plain, upgraded with STARTTLS per `starttls`) or `smtps://host[:465]`
        /// (implicit TLS). An optional path names the domain sent with EHLO (`smtp://relay:587/mail.example`).
        public var url: String
        /// The `From:` mailbox (RFC 5322), e.g. `Stride Sneakers <hello@stride.example>`; its address is also
        /// the envelope sender and its domain the right-hand side of every Message-ID.
        public var from: String
        /// The SMTP AUTH user name; with `password`, or neither.
        public var username: String?
        /// The SMTP AUTH password (already resolved from `${env:…}`/`${file:…}`).
        public var password: String?
        /// Whether an `smtp://` connection must be upgraded with STARTTLS. When absent: `never` for a loopback
        /// host (a local MTA), `required` for any other. Not allowed with `smtps://`.
        public var starttls: StartTLS?
        /// A PEM file of certificates to trust instead of the system's, e.g. a private CA or a self-signed
        /// server certificate.
        public var caFile: String?
        /// Accept any server certificate and host name. For tests against throw-away servers only: it makes
        /// TLS worthless against an attacker on the path, and a warning is logged on every start.
        public var insecureSkipVerify: Bool
        /// Seconds allowed for one message: connecting, TLS, AUTH and the SMTP dialogue. Default 30.
        public var timeout: Double
        /// How many SMTP connections (and so messages in flight) at most; more sends wait. Default 4.
        public var maxConnections: Int
        /// The `Reply-To:` mailbox, when replies should go elsewhere than `from`.
        public var replyTo: String?
        /// An address (or `mailto:` URI) added to `List-Unsubscribe` after the one-click https URL.
        public var listUnsubscribeMailto: String?
        /// Keep SMTP sessions open and send the next messages over them (default). `false` opens a new
        /// connection per message, for a relay that mishandles several messages per session.
        public var reuseConnections: Bool

        /// Every accepted key.
        public static let keys = [
            "url", "from", "username", "password", "starttls", "ca_file", "insecure_skip_verify", "timeout",
            "max_connections", "reply_to", "list_unsubscribe_mailto", "reuse_connections",
        ]

        /// Settings with the documented defaults for every optional key.
        public init(
            url: String, from: String, username: String? = nil, password: String? = nil, starttls: StartTLS? = nil,
            caFile: String? = nil, insecureSkipVerify: Bool = false, timeout: Double = 30, maxConnections: Int = 4,
            replyTo: String? = nil, listUnsubscribeMailto: String? = nil, reuseConnections: Bool = true
        ) {
            self.url = url
            self.from = from
            self.username = username
            self.password = password
            self.starttls = starttls
            self.caFile = caFile
            self.insecureSkipVerify = insecureSkipVerify
            self.timeout = timeout
            self.maxConnections = maxConnections
            self.replyTo = replyTo
            self.listUnsubscribeMailto = listUnsubscribeMailto
            self.reuseConnections = reuseConnections
        }

        /// Decodes the settings, applying the defaults. `timeout` is seconds, as a number or as `"30s"`,
        /// `"500ms"`, `"2m"`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                url: try container.decode(String.self, forKey: .url),
                from: try container.decode(String.self, forKey: .from),
                username: try container.decodeIfPresent(String.self, forKey: .username),
                password: try container.decodeIfPresent(String.self, forKey: .password),
                starttls: try container.decodeIfPresent(StartTLS.self, forKey: .starttls),
                caFile: try container.decodeIfPresent(String.self, forKey: .caFile),
                insecureSkipVerify: try container.decodeIfPresent(Bool.self, forKey: .insecureSkipVerify) ?? false,
                timeout: try Self.decodeSeconds(container, .timeout) ?? 30,
                maxConnections: try container.decodeIfPresent(Int.self, forKey: .maxConnections) ?? 4,
                replyTo: try container.decodeIfPresent(String.self, forKey: .replyTo),
                listUnsubscribeMailto: try container.decodeIfPresent(String.self, forKey: .listUnsubscribeMailto),
                reuseConnections: try container.decodeIfPresent(Bool.self, forKey: .reuseConnections) ?? true)
        }

        private enum CodingKeys: String, CodingKey {
            case url, from, username, password, starttls, caFile, insecureSkipVerify, timeout, maxConnections
            case replyTo, listUnsubscribeMailto, reuseConnections
        }

        private static func decodeSeconds(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Double? {
            if let seconds = try? container.decodeIfPresent(Double.self, forKey: key) { return seconds }
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
            for unit in units where text.hasSuffix(unit.suffix) {
                if let value = Double(String(text.dropLast(unit.suffix.count)).trimmingSpaces()) { return value * unit.scale }
            }
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "expected seconds, e.g. 30 or \"30s\", got '\(text)'")
        }

        /// The settings as YAML-like text, with the password shown as `<redacted>`.
        public var description: String {
            var parts = ["url: \(url)", "from: \(from)"]
            if let username { parts.append("username: \(username)") }
            if password != nil { parts.append("password: <redacted>") }
            if let starttls { parts.append("starttls: \(starttls.rawValue)") }
            if let caFile { parts.append("ca_file: \(caFile)") }
            if insecureSkipVerify { parts.append("insecure_skip_verify: true") }
            parts.append("timeout: \(timeout)")
            parts.append("max_connections: \(maxConnections)")
            if let replyTo { parts.append("reply_to: \(replyTo)") }
            if let listUnsubscribeMailto { parts.append("list_unsubscribe_mailto: \(listUnsubscribeMailto)") }
            if !reuseConnections { parts.append("reuse_connections: false") }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    /// Whether a plain `smtp://` connection is upgraded with STARTTLS (RFC 3207).
    public enum StartTLS: String, Sendable, Hashable, Decodable {
        /// Upgrade or fail: a server that does not offer STARTTLS gets no message and no password.
        case required
        /// Upgrade when the server offers STARTTLS, else continue in plain text. An attacker on the path
        /// can strip the offer, so prefer `required`.
        case opportunistic
        /// Never upgrade: for a local MTA on loopback.
        case never

        /// Decodes `required`, `opportunistic` or `never`, naming them when the value is something else.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let value = StartTLS(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected required, opportunistic or never, got '\(text)'")
            }
            self = value
        }
    }
}
