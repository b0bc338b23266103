import AerCore
import AerJSON
import AerRendering
import Testing

@Suite struct EnvelopeTests {
    static let message = RenderedMessage(subject: "Wir vermissen dich, Zoë", text: "Hi Zoë,\ncode COMEBACK15", html: "<p>Hi Zoë &amp; co</p>")

    @Test func theEnvelopeHasEveryMemberInAFixedOrder() {
        var context = sampleContext(traits: ["first_name": "Zoë", "email": "zoe@example.com", "vip": true], params: ["coupon": "COMEBACK15", "days": 3])
        context.event = .init(name: "Order Completed", properties: ["order_id": "1001", "revenue": 129.9],
                              timestamp: Timestamp(iso8601: "2026-01-02T03:04:05.678Z")!)
        context.predictions = .init(pAlive: 0.123456, clv: 1480.25)
        let bytes = Envelope.encode(id: "retain_drifting:drifting:42:7:0", timestamp: Timestamp(iso8601: "2026-03-01T10:00:00Z")!,
                                    channel: "crm", template: "retention_note", context: context, message: Self.message)
        #expect(String(decoding: bytes, as: UTF8.self) == """
            {"id":"retain_drifting:drifting:42:7:0","type":"aerd.action","timestamp":"2026-03-01T10:00:00.000Z","channel":"crm",\
            "customer":{"id":"maya","profileId":42,"email":"zoe@example.com","phone":null,"traits":{"first_name":"Zoë","email":"zoe@example.com","vip":true}},\
            "strategy":{"id":"retain_drifting","aer":"retain","positioning":"For regulars drifting away, we are the shop that remembers them.","trigger":"drifting"},\
            "segment":{"id":"lifecycle","kind":"lifecycle","stage":"at_risk","description":null},\
            "migration":{"set":"lifecycle","kind":"lifecycle","from":"active","to":"at_risk","at":"2026-03-01T08:00:00.000Z","cause":"timer"},\
            "event":{"name":"Order Completed","properties":{"order_id":"1001","revenue":129.9},"timestamp":"2026-01-02T03:04:05.678Z"},\
            "message":{"template":"retention_note","subject":"Wir vermissen dich, Zoë","text":"Hi Zoë,\\ncode COMEBACK15","html":"<p>Hi Zoë &amp; co</p>"},\
            "params":{"coupon":"COMEBACK15","days":3},"unsubscribeUrl":"https://stride.example/u/abc?c=email&t=1",\
            "predictions":{"pAlive":0.123456,"expectedPurchases":null,"expectedValue":null,"clv":1480.25,"valueAtStake":null}}
            """)
    }

    @Test func absentPartsAreNullNotMissing() {
        let context = RenderContext(customer: .init(id: "anon-7f3", profileId: 7),
                                    strategy: .init(id: "s", aer: .acquire, positioning: "p", trigger: "t0"))
        let envelope = Envelope.build(id: "k", timestamp: Timestamp(millis: 0), channel: "sms", template: "t", context: context,
                                      message: RenderedMessage(text: "x"))
        #expect(envelope.keys == ["id", "type", "timestamp", "channel", "customer", "strategy", "segment", "migration", "event", "message",
                                  "params", "unsubscribeUrl", "predictions"])
        for key in ["segment", "migration", "event", "unsubscribeUrl", "predictions"] { #expect(envelope[key] == .null, "\(key)") }
        #expect(envelope["customer"] == ["id": "anon-7f3", "profileId": 7, "email": nil, "phone": nil, "traits": [:]])
        #expect(envelope["message"] == ["template": "t", "subject": nil, "text": "x", "html": nil])
        #expect(envelope["params"] == [:])
    }

    @Test func addressesComeFromTheCustomerBeforeTheTraits() {
        var context = sampleContext(traits: ["email": "old@example.com", "phone": "+4915100000000"])
        context.customer.email = "new@example.com"
        let customer = Envelope.build(id: "k", timestamp: Timestamp(millis: 0), channel: "email", template: "t", context: context,
                                      message: RenderedMessage(text: "x"))["customer"]
        #expect(customer?["email"] == "new@example.com")
        #expect(customer?["phone"] == "+4915100000000")
    }

    @Test func theEnvelopeParsesBackToTheSameValue() throws {
        let context = sampleContext(traits: ["first_name": "Zoë 👍🏽", "note": "line\nbreak \"quoted\" \u{1}"])
        let envelope = Envelope.build(id: "k", timestamp: Timestamp(millis: 1), channel: "webhook", template: "t", context: context,
                                      message: Self.message)
        #expect(try JSONParser.parse(Envelope.encode(id: "k", timestamp: Timestamp(millis: 1), channel: "webhook", template: "t",
                                                     context: context, message: Self.message)) == .object(envelope))
    }
}
