import AerJSON
import AerPluginAPI
import AerStore
import Foundation

/// Reads the rendered message an outbox row carries into what a plugin sends.
///
/// The automation writes `OutboxEntry.message` with this schema:
/// ```json
/// {"recipient": {"customerId": "…", "email": "…", "phone": "…", "name": "…"},
///  "subject": "…", "text": "…", "html": "…", "params": {"key": "value"},
///  "unsubscribeURL": "…", "payload": {…}}
/// ```
/// `recipient.customerId`, `text` and `payload` (an object) are required; the others may be absent or null.
enum OutboxMessage {
    /// Why a row's message cannot be sent; the row goes dead with this as its reason.
    struct Malformed: Error, Sendable, Hashable, CustomStringConvertible {
        var problem: String
        var description: String { "malformed message: \(problem); the renderer wrote a message aerd cannot send" }
    }

    /// The message of `entry`, ready for its channel.
    /// - Parameter entry: a claimed row.
    /// - Returns: the message, with the row's idempotency key, channel and attempt.
    /// - Throws: `Malformed` naming the first field at fault.
    static func read(_ entry: OutboxEntry) throws(Malformed) -> OutboundMessage {
        let message = entry.message
        guard let recipientValue = message["recipient"], !recipientValue.isNull else {
            throw Malformed(problem: "recipient is missing")
        }
        guard let recipient = recipientValue.objectValue else { throw Malformed(problem: "recipient is not an object") }
        guard let customerId = try string(recipient, "customerId", in: "recipient."), !customerId.isEmpty else {
            throw Malformed(problem: "recipient.customerId is missing")
        }
        guard let text = try string(message, "text") else { throw Malformed(problem: "text is missing") }
        guard let payloadValue = message["payload"], !payloadValue.isNull else { throw Malformed(problem: "payload is missing") }
        guard payloadValue.objectValue != nil else { throw Malformed(problem: "payload is not an object") }

        var params: [String: String] = [:]
        if let value = message["params"], !value.isNull {
            guard let object = value.objectValue else { throw Malformed(problem: "params is not an object") }
            for (key, value) in object {
                guard let text = value.stringValue else { throw Malformed(problem: "params.\(key) is not a string") }
                params[key] = text
            }
        }
        return OutboundMessage(
            idempotencyKey: entry.idempotencyKey, channel: entry.channel,
            recipient: Recipient(
                customerId: customerId, email: try string(recipient, "email", in: "recipient."),
                phone: try string(recipient, "phone", in: "recipient."), name: try string(recipient, "name", in: "recipient.")),
            subject: try string(message, "subject"), text: text, html: try string(message, "html"), params: params,
            unsubscribeURL: try string(message, "unsubscribeURL"), payload: Data(JSONWriter.bytes(payloadValue)),
            attempt: entry.attempts)
    }

    /// An optional string member: nil when absent or null.
    private static func string(_ object: JSONObject, _ key: String, in path: String = "") throws(Malformed) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw Malformed(problem: "\(path)\(key) is not a string") }
        return text
    }
}
