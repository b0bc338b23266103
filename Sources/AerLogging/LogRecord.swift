import AerCore
import AerJSON
import Logging

/// One log statement, ready to be written: metadata merged and redacted.
struct LogRecord {
    var timestamp: Timestamp
    var level: Logger.Level
    var label: String
    var source: String
    var message: String
    var metadata: Logger.Metadata

    /// The record as one line (several for a multi-line message in the journald format), newline-terminated.
    func rendered(as format: LogFormat) -> [UInt8] {
        switch format {
        case .text: Array((textLine + "\n").utf8)
        case .journald: journaldLines
        case .json: jsonLine
        }
    }

    /// `key=value` pairs in key order, or nil without metadata.
    private var pairs: String? {
        metadata.isEmpty ? nil : metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// Like swift-log's stream handler, with the time in UTC to the millisecond.
    private var textLine: String {
        "\(timestamp.iso8601) \(level) \(label):\(pairs.map { " " + $0 } ?? "") [\(source)] \(message)"
    }

    /// journald splits its stream at newlines, so every line of a long message gets the priority prefix.
    private var journaldLines: [UInt8] {
        let text = "\(label): \(message)" + (pairs.map { " " + $0 } ?? "")
        let prefix = "<\(level.journalPriority)>"
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            bytes += Array((prefix + line + "\n").utf8)
        }
        return bytes
    }

    /// Fields that every JSON record has; metadata keys equal to one of them are written as `metadata.KEY`.
    static let jsonFields: Set<String> = ["ts", "level", "label", "message"]

    private var jsonLine: [UInt8] {
        var object: JSONObject = [
            "ts": .string(timestamp.iso8601), "level": .string(level.rawValue), "label": .string(label),
            "message": .string(message),
        ]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            object[Self.jsonFields.contains(key) ? "metadata." + key : key] = Self.json(value)
        }
        var bytes = JSONWriter.bytes(.object(object))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let dictionary):
            .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { ($0.key, json($0.value)) }))
        }
    }
}
