import Crypto
import Foundation

/// Verifies a Twilio-style `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, of the full
/// request URL followed by every POST parameter's name and value, sorted by name.
public enum ProviderSignature {
    public static func isValid(signature: String, authToken: String, url: String, parameters: [(String, String)]) -> Bool {
        var data = url
        for (name, value) in parameters.sorted(by: { $0.0 < $1.0 }) { data += name + value }
        let mac = Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(data.utf8), using: SymmetricKey(data: Data(authToken.utf8))))
        guard let given = Data(base64Encoded: signature), given.count == mac.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, mac) { difference |= a ^ b }
        return difference == 0
    }
}
