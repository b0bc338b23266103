public import AerPluginAPI
import Foundation

/// The `webhook` channel's configuration.
///
/// ```yaml
/// channels:
///   - id: crm_hook
///     type: webhook
///     url: https://crm.example.com/hooks/aerd
///     secret: ${env:AERD_WEBHOOK_SECRET}   # whsec_…; or secrets: [whsec_new…, whsec_old…]
///     headers: {X-Tenant: shop-1}
/// ```
public struct WebhookSettings: ChannelSettings {
    /// The accepted YAML keys.
    public static let keys = ["url", "secret", "secrets", "timeout", "headers"]

    /// Where the payload is POSTed (http or https).
    public var url: String
    /// The signing secret, `whsec_<base64>`. Exactly one of `secret` and `secrets` is set.
    public var secret: String?
    /// Several secrets during a rotation: every request is signed with each of them.
    public var secrets: [String]?
    /// Seconds to wait for the endpoint, for connecting and for its answer. Default 10.
    public var timeout: Double
    /// Extra request headers, e.g. an API key the endpoint wants.
    public var headers: [String: String]

    /// - Parameters:
    ///   - url: the endpoint.
    ///   - secret: one signing secret, or nil with `secrets`.
    ///   - secrets: the signing secrets during a rotation, or nil with `secret`.
    ///   - timeout: seconds to wait for the endpoint.
    ///   - headers: extra request headers.
    public init(url: String, secret: String? = nil, secrets: [String]? = nil, timeout: Double = 10, headers: [String: String] = [:]) {
        self.url = url
        self.secret = secret
        self.secrets = secrets
        self.timeout = timeout
        self.headers = headers
    }

    private enum CodingKeys: String, CodingKey {
        case url, secret, secrets, timeout, headers
    }

    /// Decodes the YAML keys; absent optional keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            url: try container.decode(String.self, forKey: .url),
            secret: try container.decodeIfPresent(String.self, forKey: .secret),
            secrets: try container.decodeIfPresent([String].self, forKey: .secrets),
            timeout: try container.decodeIfPresent(Double.self, forKey: .timeout) ?? 10,
            headers: try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:])
    }
}

extension WebhookSettings {
    /// The URL's scheme, host and port, with `/…` standing for any path or query: many providers put a
    /// secret in the path (`https://hooks.example/services/T0/B0/SECRET`), so logs and errors show only this.
    public var endpoint: String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "(invalid URL)"
        }
        let port = components.port.map { ":\($0)" } ?? ""
        let hidden = !components.percentEncodedPath.isEmpty && components.percentEncodedPath != "/" || components.query != nil
        return "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)\(port)\(hidden ? "/…" : "")"
    }
}

extension WebhookSettings: CustomStringConvertible {
    /// The settings with secrets and header values redacted, safe to log.
    public var description: String {
        let secretCount = secrets?.count ?? (secret == nil ? 0 : 1)
        let headerNames = headers.keys.sorted().joined(separator: ", ")
        return "WebhookSettings(url: \(endpoint), secrets: \(secretCount) redacted, timeout: \(timeout), headers: [\(headerNames)])"
    }
}
