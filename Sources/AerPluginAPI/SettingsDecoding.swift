public import Foundation

/// Decodes a plugin's settings from the channel's configuration (as JSON), reporting unknown keys and
/// decoding failures with the key path, so the operator knows which line to fix.
public enum ChannelSettingsDecoder {
    /// - Parameters:
    ///   - type: the settings type.
    ///   - json: the channel's keys other than `id` and `type`, as a JSON object.
    /// - Returns: the settings.
    /// - Throws: `ChannelSetupError` naming the key at fault.
    public static func decode<S: ChannelSettings>(_ type: S.Type, from json: Data) throws(ChannelSetupError) -> S {
        let object: [String: Any]
        do {
            object = try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
        } catch {
            throw ChannelSetupError("the settings are not a mapping")
        }
        let allowed = Set(S.keys)
        for key in object.keys.sorted() where !allowed.contains(key) {
            let suggestion = S.keys.min { distance($0, key) < distance($1, key) }
            if let suggestion, distance(suggestion, key) <= 2 {
                throw ChannelSetupError(key: key, "unknown key; did you mean '\(suggestion)'?")
            }
            throw ChannelSetupError(key: key, "unknown key; expected one of \(S.keys.sorted().joined(separator: ", "))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(S.self, from: json)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ChannelSetupError(key: path(context.codingPath + [key]), "missing required key")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw ChannelSetupError(key: path(context.codingPath), "expected \(describe(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw ChannelSetupError(key: path(context.codingPath), "expected \(describe(expected)), got null")
        } catch let DecodingError.dataCorrupted(context) {
            throw ChannelSetupError(key: path(context.codingPath), context.debugDescription)
        } catch {
            throw ChannelSetupError("\(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map { "[\($0)]" } ?? snakeCase(key.stringValue) }.joined(separator: ".")
    }

    private static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".hasPrefix("Array") ? "a list" : "a mapping"
        }
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
