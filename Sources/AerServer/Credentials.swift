import Crypto
import Foundation
import HTTPTypes

/// Authentication of ingest (write keys) and admin (bearer token) requests.
struct Credentials: Sendable {
    let writeKeys: [ServerOptions.WriteKey]
    let adminToken: [UInt8]

    /// Names the admin token in the audit log without revealing it: `admin:` + 8 hex digits of its SHA-256.
    let adminTokenID: String

    init(options: ServerOptions) {
        writeKeys = options.writeKeys
        adminToken = Array(options.adminToken.utf8)
        adminTokenID = "admin:" + SHA256.hash(data: Data(options.adminToken.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// The write key sent as the HTTP Basic user name (password empty), if any.
    static func basicUser(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization], value.count > 6, value.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(value.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8)
        else { return nil }
        return String(decoded.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// The source named by `key`, or nil. Compares every key in constant time.
    func source(forWriteKey key: String) -> String? {
        let bytes = Array(key.utf8)
        var found: String? = nil
        for writeKey in writeKeys where Self.constantTimeEqual(Array(writeKey.key.utf8), bytes) { found = writeKey.source }
        return found
    }

    /// Whether the request carries `Authorization: Bearer <admin token>`.
    func isAdmin(_ headers: HTTPFields) -> Bool {
        guard let value = headers[.authorization], value.count > 7, value.prefix(7).lowercased() == "bearer " else { return false }
        return Self.constantTimeEqual(Array(value.dropFirst(7).utf8), adminToken)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
