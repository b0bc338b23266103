public import AerPluginAPI

/// The `sms` channel's configuration.
///
/// ```yaml
/// channels:
///   - id: sms
///     type: sms
///     account_sid: AC0123456789abcdef0123456789abcdef
///     auth_token: ${env:TWILIO_AUTH_TOKEN}
///     from: "+14155550100"            # or messaging_service_sid: MG…
/// ```
public struct SMSSettings: ChannelSettings {
    /// The accepted YAML keys.
    public static let keys = [
        "base_url", "account_sid", "auth_token", "from", "messaging_service_sid", "status_callback", "max_segments",
        "timeout",
    ]

    /// The provider's API root; `https://api.twilio.com` by default. Any Twilio-compatible API works.
    public var baseURL: String
    /// The account the messages are sent from; also the Basic-auth user name.
    public var accountSID: String
    /// The account's secret; the Basic-auth password. Never logged.
    public var authToken: String
    /// The sender number in E.164 form. Exactly one of `from` and `messagingServiceSID` is set.
    public var from: String?
    /// A messaging service that picks the sender. Exactly one of `from` and `messagingServiceSID` is set.
    public var messagingServiceSID: String?
    /// A URL the provider calls with delivery status updates.
    public var statusCallback: String?
    /// The most segments one message may cost; a longer body fails permanently. Default 10.
    public var maxSegments: Int
    /// Seconds to wait for the provider, for connecting and for each read. Default 10.
    public var timeout: Double

    /// - Parameters:
    ///   - baseURL: the provider's API root.
    ///   - accountSID: the account id and Basic-auth user.
    ///   - authToken: the Basic-auth password.
    ///   - from: the sender number (E.164), or nil with `messagingServiceSID`.
    ///   - messagingServiceSID: the messaging service, or nil with `from`.
    ///   - statusCallback: the delivery status URL, if any.
    ///   - maxSegments: the most segments per message.
    ///   - timeout: seconds to wait for the provider.
    public init(
        baseURL: String = "https://api.twilio.com", accountSID: String, authToken: String, from: String? = nil,
        messagingServiceSID: String? = nil, statusCallback: String? = nil, maxSegments: Int = 10, timeout: Double = 10
    ) {
        self.baseURL = baseURL
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.messagingServiceSID = messagingServiceSID
        self.statusCallback = statusCallback
        self.maxSegments = maxSegments
        self.timeout = timeout
    }

    // The host decodes with `.convertFromSnakeCase`: `account_sid` arrives as `accountSid`.
    private enum CodingKeys: String, CodingKey {
        case baseURL = "baseUrl", accountSID = "accountSid", authToken, from, messagingServiceSID = "messagingServiceSid"
        case statusCallback, maxSegments, timeout
    }

    /// Decodes the YAML keys; absent optional keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            baseURL: try container.decodeIfPresent(String.self, forKey: .baseURL) ?? "https://api.twilio.com",
            accountSID: try container.decode(String.self, forKey: .accountSID),
            authToken: try container.decode(String.self, forKey: .authToken),
            from: try container.decodeIfPresent(String.self, forKey: .from),
            messagingServiceSID: try container.decodeIfPresent(String.self, forKey: .messagingServiceSID),
            statusCallback: try container.decodeIfPresent(String.self, forKey: .statusCallback),
            maxSegments: try container.decodeIfPresent(Int.self, forKey: .maxSegments) ?? 10,
            timeout: try container.decodeIfPresent(Double.self, forKey: .timeout) ?? 10)
    }
}

extension SMSSettings: CustomStringConvertible {
    /// The settings with `auth_token` redacted, safe to log.
    public var description: String {
        var parts = ["base_url: \(baseURL)", "account_sid: \(accountSID)", "auth_token: <redacted>"]
        if let from { parts.append("from: \(from)") }
        if let messagingServiceSID { parts.append("messaging_service_sid: \(messagingServiceSID)") }
        if let statusCallback { parts.append("status_callback: \(statusCallback)") }
        parts.append("max_segments: \(maxSegments)")
        parts.append("timeout: \(timeout)")
        return "SMSSettings(\(parts.joined(separator: ", ")))"
    }
}
