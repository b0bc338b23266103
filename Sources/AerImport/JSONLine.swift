import AerJSON

/// Why one NDJSON line is not a JSON object.
enum JSONLineError: Error {
    /// The line is not JSON; the parser's explanation.
    case invalid(String)
    /// The line is JSON but not an object; the JSON type name ("an array").
    case notAnObject(String)
}

/// Parses one NDJSON line into an object, keeping member order.
/// - Parameter bytes: the line, without its line break.
/// - Throws: `JSONLineError`.
func parseJSONLine(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
    let value: JSONValue
    do {
        value = try JSONParser.parse(bytes)
    } catch {
        throw JSONLineError.invalid(error.description)
    }
    guard case .object(let object) = value else { throw JSONLineError.notAnObject(value.typeName) }
    return object
}
