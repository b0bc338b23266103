import Crypto
import Foundation

/// Signed, self-contained one-click unsubscribe tokens: `base64url(payload).base64url(hmac)` where the
/// payload names the customer (profile id) and the channel type. Nothing is stored to issue one.
public struct UnsubscribeTokens: Sendable {
    private let secret: Data

    /// - Parameter secret: the `opt_out.secret` HMAC key.
    public init(secret: String) {
        self.secret = Data(secret.utf8)
    }

    /// A token for `profileId` on channels of `channelType` (`email`, `sms`).
    public func token(profileId: Int64, channelType: String) -> String {
        let payload = Data("1.\(profileId).\(channelType)".utf8)
        return Self.base64url(payload) + "." + Self.base64url(signature(payload))
    }

    /// The customer and channel type a token names, or nil when it is malformed or not ours.
    public func verify(_ token: String) -> (profileId: Int64, channelType: String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.decode(parts[0]), let mac = Self.decode(parts[1]) else { return nil }
        let expected = signature(payload)
        guard mac.count == expected.count else { return nil }
        var difference: UInt8 = 0
        for (a, b) in zip(mac, expected) { difference |= a ^ b }
        guard difference == 0 else { return nil }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: ".")
        guard fields.count == 3, fields[0] == "1", let id = Int64(fields[1]) else { return nil }
        return (id, String(fields[2]))
    }

    private func signature(_ payload: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: secret))).prefix(16)
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
