import AerCore
import AerIngest
import AerJSON
import Foundation

/// Reads an NDJSON file of Segment messages for `aerd simulate`.
enum SimulationInput {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// Every message must carry `type` and `timestamp`; the receive time is taken to be the timestamp
    /// (no clock-skew correction in a replay). The events come back in event-time order.
    static func read(path: String) throws -> [Event] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "cannot read '\(path)'; check the path")
        }
        let messages = SegmentMessages()
        var events: [Event] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let value: JSONValue
            do {
                value = try line.withUnsafeBytes { try JSONParser.parse($0) }
            } catch {
                throw Problem(description: "\(path):\(lineNumber): \(error)")
            }
            guard case .object(var object) = value else {
                throw Problem(description: "\(path):\(lineNumber): expected a Segment message object")
            }
            guard let typeName = object["type"]?.stringValue, let type = EventType(rawValue: typeName) else {
                throw Problem(description: "\(path):\(lineNumber): 'type' must be one of identify, track, page, screen, group, alias")
            }
            guard let time = object["timestamp"]?.stringValue.flatMap({ Timestamp(iso8601: $0) }) else {
                throw Problem(description: "\(path):\(lineNumber): 'timestamp' is missing or not ISO 8601; a replay needs every event's time")
            }
            object["sentAt"] = nil
            if object["messageId"] == nil { object["messageId"] = .string("line-\(lineNumber)") }
            do {
                events.append(try messages.message(.object(object), type: type, source: "simulation", receivedAt: time))
            } catch {
                throw Problem(description: "\(path):\(lineNumber): \(error)")
            }
        }
        // The replay follows event time; ties keep file order.
        return events.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
    }
}
