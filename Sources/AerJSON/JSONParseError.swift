/// Why and where a JSON text was rejected.
///
/// The position points at the byte that made the text invalid: the stray character, the start of a bad
/// escape, the opening quote of an unterminated string, or the end of the input when it stops too early.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Zero-based byte offset of the problem in the input.
    public var offset: Int
    /// One-based line of the problem; LF, CR and CRLF each end a line.
    public var line: Int
    /// One-based column of the problem, counted in Unicode scalars from the start of its line.
    public var column: Int
    /// What is wrong, in words for a person: "unterminated string", "expected ':' after an object key".
    public var reason: String

    /// An error with an explicit position.
    ///
    /// - Parameters:
    ///   - reason: What is wrong.
    ///   - offset: Zero-based byte offset of the problem.
    ///   - line: One-based line of the problem.
    ///   - column: One-based column of the problem.
    public init(reason: String, offset: Int, line: Int, column: Int) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// "invalid JSON at line L, column C: REASON".
    public var description: String {
        "invalid JSON at line \(line), column \(column): \(reason)"
    }
}

extension JSONParseError {
    /// An error at `offset` in `bytes`, with line and column worked out from the bytes before it.
    ///
    /// Only called on the way out of a failed parse, so the rescan costs nothing on the happy path.
    init(reason: String, offset: Int, in bytes: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        var index = 0
        while index < offset {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte == 0x0D {
                // CRLF is one line break: the LF that follows does the counting.
                if index + 1 >= bytes.count || bytes[index + 1] != 0x0A {
                    line += 1
                    column = 1
                }
            } else if byte & 0xC0 != 0x80 {
                // Continuation bytes belong to the scalar their lead byte already counted.
                column += 1
            }
            index += 1
        }
        self.init(reason: reason, offset: offset, line: line, column: column)
    }
}
