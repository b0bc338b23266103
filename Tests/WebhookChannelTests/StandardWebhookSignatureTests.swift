import Foundation
import Testing
import WebhookChannel

@Suite("Standard Webhooks signatures")
struct StandardWebhookSignatureTests {
    // The test vector published with the Standard Webhooks reference libraries.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let body = Data(#"{"test": 2432232314}"#.utf8)
    let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    let sent = Date(timeIntervalSince1970: 1_614_265_330)

    @Test("signing reproduces the reference vector")
    func referenceVector() throws {
        let key = try #require(StandardWebhookSignature.key(fromSecret: secret))
        #expect(StandardWebhookSignature.sign(key: key, id: id, timestamp: 1_614_265_330, body: body) == signature)
    }

    @Test("verify accepts the reference request and rejects any change to it")
    func verify() {
        func check(secret: String? = nil, id: String? = nil, timestamp: String = "1614265330", body: Data? = nil,
                   header: String? = nil, now: Date? = nil) -> Bool {
            StandardWebhookSignature.verify(
                secret: secret ?? self.secret, id: id ?? self.id, timestamp: timestamp, body: body ?? self.body,
                signatureHeader: header ?? signature, now: now ?? sent)
        }
        #expect(check())
        #expect(check(now: sent.addingTimeInterval(299)))
        #expect(!check(body: Data(#"{"test": 2432232315}"#.utf8)))
        #expect(!check(id: "msg_other"))
        #expect(!check(timestamp: "1614265331"))
        #expect(!check(secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()))
        #expect(!check(now: sent.addingTimeInterval(301)))
        #expect(!check(now: sent.addingTimeInterval(-301)))
        #expect(!check(header: "v2," + signature.dropFirst(3)))
        #expect(!check(header: ""))
        #expect(!check(timestamp: "soon"))
    }

    @Test("one matching signature among several is enough (secret rotation)")
    func severalSignatures() {
        let header = "v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiB0aGlydHktdHdvIGJ5dGVz \(signature) v1a,ignored"
        #expect(StandardWebhookSignature.verify(secret: secret, id: id, timestamp: "1614265330", body: body,
                                                signatureHeader: header, now: sent))
    }
}
