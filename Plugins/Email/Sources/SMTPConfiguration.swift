import AerPluginAPI
import Foundation

/// The channel's settings checked and resolved: what a connection needs to talk to the server.
struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    enum Security: Sendable, Hashable {
        /// Plain text (starttls: never).
        case plain
        /// STARTTLS; `required: false` continues in plain text when the server does not offer it.
        case startTLS(required: Bool)
        /// TLS from the first byte (smtps://).
        case implicitTLS
    }

    /// The URL as curl gets it.
    let url: String
    /// `scheme://host:port`, for messages (the URL never holds credentials).
    let endpoint: String
    let security: Security
    /// The envelope sender (`MAIL FROM`).
    let envelopeFrom: EmailAddress
    let username: String?
    let password: String?
    let caFile: String?
    let insecureSkipVerify: Bool
    let timeoutMilliseconds: Int
    let maxConnections: Int
    let reuseConnections: Bool

    /// Checks `settings`.
    /// - Throws: `ChannelSetupError` naming the key at fault and how to fix it.
    init(_ settings: SMTPChannel.Settings) throws(ChannelSetupError) {
        guard let components = URLComponents(string: settings.url), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps"
        else {
            throw ChannelSetupError(
                key: "url", "expected smtp://host:port (STARTTLS or plain) or smtps://host:465 (TLS), got '\(settings.url)'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ChannelSetupError(key: "url", "'\(settings.url)' names no host")
        }
        if components.user != nil || components.password != nil {
            throw ChannelSetupError(key: "url", "put the credentials in username and password, not in the URL")
        }
        if components.query != nil || components.fragment != nil {
            throw ChannelSetupError(key: "url", "an SMTP URL has no query or fragment")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw ChannelSetupError(key: "url", "port \(port) is out of range")
        }
        let port = components.port ?? (scheme == "smtps" ? 465 : 25)
        let displayHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        url = settings.url
        endpoint = "\(scheme)://\(displayHost):\(port)"

        if scheme == "smtps" {
            if let starttls = settings.starttls {
                throw ChannelSetupError(
                    key: "starttls", "smtps:// is TLS from the first byte; remove 'starttls: \(starttls.rawValue)' or use smtp://")
            }
            security = .implicitTLS
        } else {
            switch settings.starttls ?? (MessageComposer.isLoopback(host) ? .never : .required) {
            case .required: security = .startTLS(required: true)
            case .opportunistic: security = .startTLS(required: false)
            case .never: security = .plain
            }
        }

        do {
            envelopeFrom = try Mailbox(parsing: settings.from).address
        } catch {
            throw ChannelSetupError(key: "from", "'\(settings.from)' is not a usable sender: \(error)")
        }
        switch (settings.username, settings.password) {
        case (nil, nil), (.some, .some): break
        case (.some, nil): throw ChannelSetupError(key: "password", "username is set, so a password is needed too")
        case (nil, .some): throw ChannelSetupError(key: "username", "password is set, so a username is needed too")
        }
        username = settings.username
        password = settings.password

        if let caFile = settings.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ChannelSetupError(key: "ca_file", "cannot read '\(caFile)'; give a readable PEM file of certificates")
        }
        if settings.caFile != nil && security == .plain {
            throw ChannelSetupError(key: "ca_file", "the connection uses no TLS (starttls: never), so ca_file would be ignored")
        }
        caFile = settings.caFile
        insecureSkipVerify = settings.insecureSkipVerify

        guard settings.timeout.isFinite, settings.timeout > 0, settings.timeout <= 3600 else {
            throw ChannelSetupError(key: "timeout", "expected seconds between 0 and 3600, got \(settings.timeout)")
        }
        timeoutMilliseconds = max(1, Int(settings.timeout * 1000))
        guard (1...64).contains(settings.maxConnections) else {
            throw ChannelSetupError(key: "max_connections", "expected 1 to 64, got \(settings.maxConnections)")
        }
        maxConnections = settings.maxConnections
        reuseConnections = settings.reuseConnections
    }

    /// Whether a password would cross the network in plain text.
    var sendsPasswordInClear: Bool {
        guard password != nil, let host = URLComponents(string: url)?.host else { return false }
        return security == .plain && !MessageComposer.isLoopback(host)
    }
}
