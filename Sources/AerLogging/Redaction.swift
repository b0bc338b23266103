import Logging

/// The safety net against secrets in logs: metadata whose key names a secret is replaced, at any depth.
///
/// Code must not log secrets in the first place; this catches the slip of attaching one as metadata.
enum Redaction {
    /// What a redacted value is written as.
    static let placeholder: Logger.MetadataValue = "[redacted]"

    /// Words that mark a key as holding a secret, compared without case, `_`, `-` and `.`
    /// (so `admin_token`, `X-Auth-Token`, `smtp.password`, `writeKey` and `Authorization` all match).
    static let secretWords = ["token", "password", "passwd", "secret", "authorization", "credential", "apikey", "writekey", "cookie"]

    /// Whether `key` names a secret.
    static func isSecret(_ key: String) -> Bool {
        let folded = String(key.lowercased().unicodeScalars.filter { !"_-.".unicodeScalars.contains($0) })
        return secretWords.contains { folded.contains($0) }
    }

    /// `metadata` with every secret value replaced by ``placeholder``.
    static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var result = Logger.Metadata(minimumCapacity: metadata.count)
        for (key, value) in metadata {
            result[key] = isSecret(key) ? placeholder : redact(value)
        }
        return result
    }

    private static func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .dictionary(let nested): .dictionary(redact(nested))
        case .array(let values): .array(values.map(redact))
        case .string, .stringConvertible: value
        }
    }
}
