import AerCore
import AerIngest
import AerJSON
import Testing

let received = Timestamp(iso8601: "2026-11-24T10:00:07Z")!
let messages = SegmentMessages()

func message(_ body: JSONValue, _ type: EventType) throws(IngestError) -> Event {
    try messages.message(body, type: type, source: "web", receivedAt: received)
}

@Suite("Segment messages")
struct SegmentMessagesTests {
    @Test("a track call becomes a track event with its name and properties")
    func track() throws {
        let event = try message(
            ["userId": "u1", "event": "Product Viewed", "messageId": "m1", "properties": ["sku": "RUN-1"]], .track)
        #expect(event.type == .track)
        #expect(event.name == "Product Viewed")
        #expect(event.userId == "u1")
        #expect(event.messageId == "m1")
        #expect(event.source == "web")
        #expect(event.properties["sku"] == "RUN-1")
        #expect(event.timestamp == received)
        #expect(event.receivedAt == received)
    }

    @Test("a numeric userId is kept as its decimal string")
    func numericUserId() throws {
        let event = try message(["userId": 1234, "traits": ["plan": "pro"]], .identify)
        #expect(event.userId == "1234")
        #expect(event.traits["plan"] == "pro")
    }

    @Test("a message without userId or anonymousId is refused, naming userId")
    func needsAnId() {
        #expect(throws: IngestError(field: "userId", reason: "missing; every message needs a userId or an anonymousId")) {
            try message(["event": "X"], .track)
        }
    }

    @Test("each type's required field is enforced")
    func requiredFields() {
        #expect(throws: IngestError.self) { try message(["userId": "u"], .track) }
        #expect(throws: IngestError.self) { try message(["userId": "u"], .alias) }
        #expect(throws: IngestError.self) { try message(["previousId": "p", "anonymousId": "a"], .alias) }
        #expect(throws: IngestError.self) { try message(["userId": "u"], .group) }
        #expect(throws: Never.self) { try message(["userId": "u", "previousId": "a"], .alias) }
        #expect(throws: Never.self) { try message(["userId": "u", "groupId": "acme", "traits": ["plan": "team"]], .group) }
        #expect(throws: Never.self) { try message(["anonymousId": "a", "name": "Home"], .page) }
    }

    @Test("fields of the wrong type are refused with the field and the type found")
    func wrongTypes() {
        #expect(throws: IngestError(field: "properties", reason: "expected an object, got a string")) {
            try message(["userId": "u", "event": "X", "properties": "nope"], .track)
        }
        #expect(throws: IngestError(field: "userId", reason: "expected a string, got an array")) {
            try message(["userId": [1], "event": "X"], .track)
        }
    }

    @Test("timestamp is corrected by sentAt against the receive time, as Segment does")
    func skewCorrection() throws {
        let event = try message(
            ["userId": "u", "event": "X", "timestamp": "2026-11-24T09:00:00Z", "sentAt": "2026-11-24T09:00:05Z"], .track)
        #expect(event.timestamp == Timestamp(iso8601: "2026-11-24T10:00:02Z"))
    }

    @Test("timestamp without sentAt is taken as sent; none at all means the receive time")
    func timestampWithoutSentAt() throws {
        let sent = try message(["userId": "u", "event": "X", "timestamp": "2026-11-20T08:00:00+01:00"], .track)
        #expect(sent.timestamp == Timestamp(iso8601: "2026-11-20T07:00:00Z"))
        let none = try message(["userId": "u", "event": "X"], .track)
        #expect(none.timestamp == received)
    }

    @Test("an unparsable timestamp is refused naming the field")
    func badTimestamp() {
        #expect(throws: IngestError(field: "timestamp", reason: "'yesterday' is not an ISO 8601 timestamp like 2026-11-24T09:30:00.000Z")) {
            try message(["userId": "u", "event": "X", "timestamp": "yesterday"], .track)
        }
    }

    @Test("a missing messageId is generated, so the event is still stored")
    func generatesMessageId() throws {
        let first = try message(["userId": "u", "event": "X"], .track)
        let second = try message(["userId": "u", "event": "X"], .track)
        #expect(first.messageId.hasPrefix("aerd-"))
        #expect(first.messageId != second.messageId)
    }

    @Test("a message over 32 KB is refused")
    func messageSizeLimit() {
        let big = String(repeating: "x", count: 33 * 1024)
        #expect(throws: IngestError.self) { try message(["userId": "u", "event": "X", "properties": ["blob": .string(big)]], .track) }
    }
}

@Suite("Segment batches")
struct SegmentBatchTests {
    func batch(_ body: JSONValue) throws(IngestError) -> [Event] {
        try messages.batch(body, source: "web", receivedAt: received)
    }

    @Test("batch-level context and integrations are merged into each item; the item's own keys win")
    func mergesContext() throws {
        let events = try batch([
            "context": ["library": ["name": "analytics-python"], "ip": "203.0.113.9"],
            "integrations": ["All": false],
            "batch": [
                ["type": "track", "userId": "u", "event": "X", "context": ["ip": "198.51.100.1"]],
                ["type": "identify", "userId": "u", "traits": ["plan": "pro"]],
            ],
        ])
        #expect(events.count == 2)
        #expect(events[0].context["ip"] == "198.51.100.1")
        #expect(events[0].context["library"] == ["name": "analytics-python"])
        #expect(events[1].context["ip"] == "203.0.113.9")
        #expect(events[1].integrations["All"] == false)
    }

    @Test("batch-level sentAt corrects every item")
    func batchSentAt() throws {
        let events = try batch([
            "sentAt": "2026-11-24T09:00:10Z",
            "batch": [["type": "track", "userId": "u", "event": "X", "timestamp": "2026-11-24T09:00:00Z"]],
        ])
        #expect(events[0].timestamp == Timestamp(iso8601: "2026-11-24T09:59:57Z"))
    }

    @Test("a bad item rejects the batch, naming its index and field")
    func badItem() {
        #expect(throws: IngestError(index: 2, field: "batch[2].event", reason: "missing; a track call names the event, e.g. \"Order Completed\"")) {
            try batch(["batch": [
                ["type": "track", "userId": "u", "event": "X"],
                ["type": "page", "userId": "u"],
                ["type": "track", "userId": "u"],
            ]])
        }
    }

    @Test("an unknown or missing item type is refused")
    func unknownType() {
        #expect(throws: IngestError(index: 0, field: "batch[0].type", reason: "'purchase' is not one of identify, track, page, screen, group, alias")) {
            try batch(["batch": [["type": "purchase", "userId": "u"]]])
        }
        #expect(throws: IngestError.self) { try batch(["batch": [["userId": "u"]]]) }
    }

    @Test("a body without a batch array is refused")
    func notABatch() {
        #expect(throws: IngestError.self) { try batch(["messages": []]) }
        #expect(throws: IngestError.self) { try batch(["batch": "x"]) }
        #expect(throws: IngestError.self) { try batch([1, 2]) }
    }

    @Test("the error body names the item and the field")
    func errorJSON() {
        let error = IngestError(index: 3, field: "batch[3].userId", reason: "missing")
        #expect(error.json == ["success": false, "error": "batch[3].userId: missing", "index": 3, "field": "batch[3].userId"])
    }
}
