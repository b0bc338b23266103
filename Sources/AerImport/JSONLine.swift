import AerJSON
import Foundation

/// Why one NDJSON line is not a JSON object.
enum JSONLineError: Error {
    /// The line is not JSON; the parser's explanation.
    case invalid(String)
    /// The line is JSON but not an object; the JSON type name ("an array").
    case notAnObject(String)
}

/// Parses one NDJSON line into an object.
///
/// The only place AerImport parses JSON: a stand-in built on Foundation's `JSONSerialization` until the
/// AerJSON byte parser lands, when the body becomes a call to `JSONParser.parse`. This stand-in does not
/// keep member order: keys come out sorted, so imports stay deterministic.
/// - Parameter bytes: the line, without its line break.
/// - Throws: `JSONLineError`.
func parseJSONLine(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
    let parsed: Any
    do {
        parsed = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    } catch {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        throw JSONLineError.invalid(detail ?? "\(error)")
    }
    let value = try jsonValue(fromFoundation: parsed)
    guard case .object(let object) = value else { throw JSONLineError.notAnObject(value.typeName) }
    return object
}

/// Converts what `JSONSerialization` returns into a `JSONValue`.
///
/// Booleans arrive as `NSNumber`s too, and on Linux `NSNumber(1) as? Bool` succeeds, so a Boolean is told
/// apart by its Objective-C type code: `c` (char) is what `JSONSerialization` uses for true and false only.
func jsonValue(fromFoundation value: Any) throws -> JSONValue {
    switch value {
    case let string as String:
        return .string(string)
    case let number as NSNumber:
        if number.objCType.pointee == CChar(UInt8(ascii: "c")) { return .bool(number.boolValue) }
        return .number(number.doubleValue)
    case let array as [Any]:
        var items: [JSONValue] = []
        items.reserveCapacity(array.count)
        for item in array { items.append(try jsonValue(fromFoundation: item)) }
        return .array(items)
    case let dictionary as [String: Any]:
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(dictionary.count)
        for key in dictionary.keys.sorted() { members.append((key, try jsonValue(fromFoundation: dictionary[key]!))) }
        return .object(JSONObject(members))
    case is NSNull:
        return .null
    default:
        throw JSONLineError.invalid("unexpected value of type \(type(of: value))")
    }
}
