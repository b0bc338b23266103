public import AerCore
public import AerJSON
import Foundation

/// Why a Segment-spec request was refused, naming the item and field to fix.
public struct IngestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Position of the offending message in a batch; nil for single-message requests.
    public var index: Int?
    /// The field at fault (`userId`, `batch[3].event`), nil when the whole request is at fault.
    public var field: String?
    public var reason: String

    public init(index: Int? = nil, field: String? = nil, reason: String) {
        self.index = index
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.map { "\($0): \(reason)" } ?? reason
    }

    /// The JSON body of the 400 answer.
    public var json: JSONValue {
        var object: JSONObject = ["success": false, "error": .string(description)]
        if let index { object["index"] = .number(Double(index)) }
        if let field { object["field"] = .string(field) }
        return .object(object)
    }
}

/// Turns Segment Tracking API messages into events, with Segment's semantics: ids, required fields
/// per type, `messageId` (generated when absent), clock-skew correction of `timestamp` from `sentAt`,
/// and batch-level `context`/`integrations` merged into each item.
public struct SegmentMessages: Sendable {
    /// Largest accepted message, as serialised JSON (Segment: 32 KB).
    public static let maxMessageBytes = 32 * 1024
    /// Largest accepted batch body (Segment: 500 KB).
    public static let maxBatchBytes = 500 * 1024
    /// Most messages in one batch.
    public static let maxBatchItems = 2500

    public init() {}

    /// The `writeKey` member of a request body, if any.
    public func writeKey(in body: JSONValue) -> String? {
        body["writeKey"]?.stringValue
    }

    /// Normalises the body of `/v1/identify`, `/v1/track`, … (the type comes from the path).
    public func message(_ body: JSONValue, type: EventType, source: String, receivedAt: Timestamp) throws(IngestError) -> Event {
        guard case .object(let object) = body else {
            throw IngestError(reason: "the body must be a JSON object, got \(body.typeName)")
        }
        try checkSize(body, index: nil)
        return try event(object, type: type, batch: nil, field: "", source: source, receivedAt: receivedAt)
    }

    /// Normalises the body of `/v1/batch`. Any bad item rejects the whole batch.
    public func batch(_ body: JSONValue, source: String, receivedAt: Timestamp) throws(IngestError) -> [Event] {
        guard case .object(let object) = body else {
            throw IngestError(reason: "the body must be a JSON object with a 'batch' array, got \(body.typeName)")
        }
        guard let items = object["batch"] else {
            throw IngestError(field: "batch", reason: "missing; send {\"batch\": [message, ...]}")
        }
        guard case .array(let messages) = items else {
            throw IngestError(field: "batch", reason: "expected an array of messages, got \(items.typeName)")
        }
        guard messages.count <= Self.maxBatchItems else {
            throw IngestError(field: "batch", reason: "\(messages.count) messages; send at most \(Self.maxBatchItems) per batch")
        }
        var events: [Event] = []
        events.reserveCapacity(messages.count)
        for (index, item) in messages.enumerated() {
            let field = "batch[\(index)]"
            guard case .object(let message) = item else {
                throw IngestError(index: index, field: field, reason: "expected a message object, got \(item.typeName)")
            }
            try checkSize(item, index: index)
            guard let typeValue = message["type"] else {
                throw IngestError(index: index, field: field + ".type", reason: "missing; one of \(Self.typeNames)")
            }
            guard let typeName = typeValue.stringValue, let type = EventType(rawValue: typeName) else {
                throw IngestError(
                    index: index, field: field + ".type", reason: "\(Self.describe(typeValue)) is not one of \(Self.typeNames)")
            }
            events.append(
                try event(message, type: type, batch: object, field: field + ".", index: index, source: source, receivedAt: receivedAt))
        }
        return events
    }

    private static let typeNames = EventType.allCases.map(\.rawValue).joined(separator: ", ")

    private func checkSize(_ message: JSONValue, index: Int?) throws(IngestError) {
        let size = JSONWriter.encodedSize(message)
        if size > Self.maxMessageBytes {
            throw IngestError(
                index: index, field: index.map { "batch[\($0)]" },
                reason: "message is \(size) bytes; the limit is \(Self.maxMessageBytes / 1024) KB per message")
        }
    }

    private func event(
        _ message: JSONObject, type: EventType, batch: JSONObject?, field prefix: String, index: Int? = nil, source: String,
        receivedAt: Timestamp
    ) throws(IngestError) -> Event {
        func fail(_ field: String, _ reason: String) -> IngestError {
            IngestError(index: index, field: prefix + field, reason: reason)
        }
        func identifier(_ key: String) throws(IngestError) -> String? {
            guard let value = message[key], !value.isNull else { return nil }
            switch value {
            case .string(let text): return text.isEmpty ? nil : text
            case .number(let number) where number.isFinite:
                return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            default: throw fail(key, "expected a string, got \(value.typeName)")
            }
        }
        func text(_ key: String) throws(IngestError) -> String? {
            guard let value = message[key], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw fail(key, "expected a string, got \(value.typeName)") }
            return text
        }
        func object(_ key: String) throws(IngestError) -> JSONObject {
            guard let value = message[key], !value.isNull else { return [:] }
            guard let object = value.objectValue else { throw fail(key, "expected an object, got \(value.typeName)") }
            return object
        }
        func instant(_ key: String, in object: JSONObject) throws(IngestError) -> Timestamp? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let text = value.stringValue, let instant = Timestamp(iso8601: text) else {
                throw fail(key, "\(Self.describe(value)) is not an ISO 8601 timestamp like 2026-11-24T09:30:00.000Z")
            }
            return instant
        }

        let userId = try identifier("userId")
        let anonymousId = try identifier("anonymousId")
        if userId == nil && anonymousId == nil {
            throw fail("userId", "missing; every message needs a userId or an anonymousId")
        }
        var name: String? = nil
        var previousId: String? = nil
        var groupId: String? = nil
        switch type {
        case .track:
            guard let event = try text("event"), !event.isEmpty else {
                throw fail("event", "missing; a track call names the event, e.g. \"Order Completed\"")
            }
            name = event
        case .page, .screen:
            name = try text("name")
        case .alias:
            guard let previous = try identifier("previousId") else {
                throw fail("previousId", "missing; an alias call names the previous id to merge")
            }
            guard userId != nil else { throw fail("userId", "missing; an alias call names the new userId") }
            previousId = previous
        case .group:
            guard let group = try identifier("groupId") else { throw fail("groupId", "missing; a group call names the groupId") }
            groupId = group
        case .identify:
            break
        }
        let messageId = try identifier("messageId") ?? "aerd-" + UUID().uuidString.lowercased()
        var context = try object("context")
        var integrations = try object("integrations")
        if let batch {
            if let shared = batch["context"]?.objectValue { context.fill(from: shared) }
            if let shared = batch["integrations"]?.objectValue { integrations.fill(from: shared) }
        }
        var sent = try instant("timestamp", in: message)
        if sent == nil { sent = try instant("originalTimestamp", in: message) }
        let sentAt: Timestamp?
        if message["sentAt"] != nil {
            sentAt = try instant("sentAt", in: message)
        } else if let batch, batch["sentAt"] != nil {
            do { sentAt = try instant("sentAt", in: batch) } catch { throw IngestError(field: "sentAt", reason: error.reason) }
        } else {
            sentAt = nil
        }
        // Segment's skew correction: the client's clock is trusted for intervals, not for absolute time.
        let timestamp: Timestamp
        if let sent, let sentAt {
            timestamp = Timestamp(millis: receivedAt.millis - (sentAt.millis - sent.millis))
        } else {
            timestamp = sent ?? receivedAt
        }
        return Event(
            messageId: messageId, source: source, type: type, userId: userId, anonymousId: anonymousId, name: name,
            previousId: previousId, groupId: groupId,
            properties: type == .identify || type == .group || type == .alias ? [:] : try object("properties"),
            traits: type == .identify || type == .group ? try object("traits") : [:],
            context: context, integrations: integrations, timestamp: timestamp, receivedAt: receivedAt)
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "'\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
        default: value.typeName
        }
    }
}
