import Crypto
public import Foundation

/// Signatures as the Standard Webhooks specification defines them (https://www.standardwebhooks.com).
///
/// The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is the base64 HMAC-SHA256
/// of it, keyed with the base64-decoded part of the secret after its `whsec_` prefix, and sent as
/// `webhook-signature: v1,<signature>`. Several space-separated signatures (one per secret) let a receiver
/// rotate its secret without downtime.
public enum StandardWebhookSignature {
    /// The HMAC key inside a secret.
    /// - Parameter secret: `whsec_<base64>`; the prefix may be left out.
    /// - Returns: the key bytes, or nil when the rest is not base64 or is empty.
    public static func key(fromSecret secret: String) -> Data? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { return nil }
        return key
    }

    /// One `v1,<base64>` signature.
    /// - Parameters:
    ///   - key: the HMAC key, see `key(fromSecret:)`.
    ///   - id: the `webhook-id` header.
    ///   - timestamp: the `webhook-timestamp` header: unix seconds.
    ///   - body: the request body, exactly as sent.
    /// - Returns: the signature with its version prefix.
    public static func sign(key: Data, id: String, timestamp: Int64, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: signedContent(id: id, timestamp: "\(timestamp)", body: body),
                                                  using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Whether a request carries a valid signature for `secret` and a timestamp within `tolerance` of `now`.
    ///
    /// Signatures are compared in constant time; entries of other versions are ignored.
    /// - Parameters:
    ///   - secret: the endpoint's secret, `whsec_<base64>`.
    ///   - id: the `webhook-id` header.
    ///   - timestamp: the `webhook-timestamp` header.
    ///   - body: the raw request body.
    ///   - signatureHeader: the `webhook-signature` header: space-separated `v1,<base64>` entries.
    ///   - tolerance: how far the timestamp may be from `now`, either way; 5 minutes by default.
    ///   - now: the receiver's clock.
    /// - Returns: true when the timestamp is fresh and one of the signatures matches.
    public static func verify(
        secret: String, id: String, timestamp: String, body: Data, signatureHeader: String,
        tolerance: TimeInterval = 300, now: Date = Date()
    ) -> Bool {
        guard let key = key(fromSecret: secret), let seconds = Int64(timestamp),
              abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance
        else { return false }
        let content = signedContent(id: id, timestamp: timestamp, body: body)
        let symmetricKey = SymmetricKey(data: key)
        var valid = false
        for entry in signatureHeader.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let signature = Data(base64Encoded: String(parts[1])) else { continue }
            // Checks every entry: which one matched must not show in the time taken.
            if HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: content, using: symmetricKey) {
                valid = true
            }
        }
        return valid
    }

    private static func signedContent(id: String, timestamp: String, body: Data) -> Data {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return content
    }
}
