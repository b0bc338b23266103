/// Strict RFC 8259 JSON parsing straight from UTF-8 bytes.
///
/// - Any value may stand at the top level; only space, tab, CR and LF count as whitespace.
/// - Rejected: trailing commas, comments, leading zeros, `NaN`/`Infinity`, unescaped control characters,
///   unknown escapes, unpaired surrogates in `\u` escapes, invalid UTF-8 in strings, numbers whose
///   magnitude does not fit a `Double` (`1e400`; tiny ones such as `1e-400` become zero), and nesting
///   deeper than `maxDepth` containers.
/// - Numbers are correctly rounded to the nearest `Double`.
/// - An object with a repeated key keeps the key at its first position with the value of its last
///   occurrence, as JavaScript's `JSON.parse` does.
///
/// The parser keeps its own explicit stack rather than recursing, so no input can exhaust the thread's stack.
public enum JSONParser {
    /// Parses one JSON text.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 text; it is only read during the call.
    ///   - maxDepth: How many arrays and objects may nest inside each other; deeper input is rejected.
    /// - Returns: The value the text denotes.
    /// - Throws: `JSONParseError` with the position and reason of the first problem.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 256) throws(JSONParseError) -> JSONValue {
        guard let start = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(reason: "unexpected end of input", offset: 0, line: 1, column: 1)
        }
        var parser = Parser(
            start: start.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: max(0, maxDepth))
        return try parser.parseDocument()
    }

    /// Parses one JSON text held in a byte array.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 text.
    ///   - maxDepth: How many arrays and objects may nest inside each other; deeper input is rejected.
    /// - Returns: The value the text denotes.
    /// - Throws: `JSONParseError` with the position and reason of the first problem.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 256) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON text held in a string.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - maxDepth: How many arrays and objects may nest inside each other; deeper input is rejected.
    /// - Returns: The value the text denotes.
    /// - Throws: `JSONParseError` with the position and reason of the first problem.
    public static func parse(_ text: String, maxDepth: Int = 256) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        return try result.get()
    }
}

// MARK: - The parser

/// ASCII bytes the parser looks for, by name.
private enum ASCII {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let period: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerB: UInt8 = 0x62
    static let lowerE: UInt8 = 0x65
    static let lowerF: UInt8 = 0x66
    static let lowerN: UInt8 = 0x6E
    static let lowerR: UInt8 = 0x72
    static let lowerT: UInt8 = 0x74
    static let lowerU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
}

/// An open array or object: where its elements start on the value stack (and, for an object, its keys
/// on the key stack).
private struct Frame {
    var valueBase: Int
    /// -1 for an array.
    var keyBase: Int
}

/// An object key waiting for its object to close.
private struct PendingKey {
    var key: String
    /// UTF-8 length when the key is all ASCII, -1 otherwise; lets the duplicate check skip most
    /// string comparisons.
    var asciiLength: Int
}

/// One parse: a cursor over the input plus explicit stacks for the containers still open.
///
/// Elements of open containers wait on flat value and key stacks; a container that closes moves its
/// slice into an exactly sized array in one go. The stacks are raw memory owned here and cleaned up by
/// `deinit`, which also runs when the parse throws half way.
private struct Parser: ~Copyable {
    let start: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    var cursor: UnsafePointer<UInt8>
    let maxDepth: Int

    var values: UnsafeMutablePointer<JSONValue>
    var valueCount = 0
    var valueCapacity: Int

    var keys: UnsafeMutablePointer<PendingKey>
    var keyCount = 0
    var keyCapacity: Int

    var frames: UnsafeMutablePointer<Frame>
    var depth = 0
    var frameCapacity: Int

    /// Decoded bytes of the string being parsed, for strings with escapes.
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity: Int

    /// UTF-8 length of the last string parsed when it was all ASCII, -1 otherwise.
    var lastStringASCIILength = 0

    init(start: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.start = start
        self.end = start + count
        self.cursor = start
        self.maxDepth = maxDepth
        valueCapacity = 64
        values = .allocate(capacity: valueCapacity)
        keyCapacity = 32
        keys = .allocate(capacity: keyCapacity)
        frameCapacity = 16
        frames = .allocate(capacity: frameCapacity)
        scratchCapacity = 256
        scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
        values.deinitialize(count: valueCount)
        values.deallocate()
        keys.deinitialize(count: keyCount)
        keys.deallocate()
        frames.deallocate()
        scratch.deallocate()
    }

    // MARK: Errors

    @inline(never)
    func error(_ reason: String, at position: UnsafePointer<UInt8>) -> JSONParseError {
        JSONParseError(
            reason: reason, offset: position - start, in: UnsafeBufferPointer(start: start, count: end - start))
    }

    @inline(never)
    func endOfInput() -> JSONParseError {
        error("unexpected end of input", at: end)
    }

    // MARK: Structure

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        nextValue: while true {
            var value: JSONValue
            skipWhitespace()
            guard cursor < end else { throw endOfInput() }
            switch cursor.pointee {
            case ASCII.quote:
                value = .string(try parseString())
            case ASCII.minus, ASCII.zero...ASCII.nine:
                value = .number(try parseNumber())
            case ASCII.openBrace:
                try openContainer(keyBase: keyCount)
                cursor += 1
                skipWhitespace()
                if cursor < end && cursor.pointee == ASCII.closeBrace {
                    cursor += 1
                    depth -= 1
                    value = .object(JSONObject())
                } else {
                    try parseKeyAndColon(afterComma: false)
                    continue nextValue
                }
            case ASCII.openBracket:
                try openContainer(keyBase: -1)
                cursor += 1
                skipWhitespace()
                if cursor < end && cursor.pointee == ASCII.closeBracket {
                    cursor += 1
                    depth -= 1
                    value = .array([])
                } else {
                    continue nextValue
                }
            case ASCII.lowerT:
                try expectLiteral(0x6575_7274, length: 4)  // "true"
                value = .bool(true)
            case ASCII.lowerF:
                try expectLiteral(0x736C_6166, length: 5)  // "fals" + "e"
                value = .bool(false)
            case ASCII.lowerN:
                try expectLiteral(0x6C6C_756E, length: 4)  // "null"
                value = .null
            default:
                throw error("expected a value", at: cursor)
            }

            // A value is complete: hand it to the open container, closing containers as they end.
            while true {
                guard depth > 0 else {
                    skipWhitespace()
                    guard cursor == end else { throw error("unexpected data after the JSON value", at: cursor) }
                    return value
                }
                pushValue(consume value)
                skipWhitespace()
                guard cursor < end else { throw endOfInput() }
                let byte = cursor.pointee
                let frame = frames[depth - 1]
                if frame.keyBase < 0 {
                    if byte == ASCII.comma {
                        cursor += 1
                        skipWhitespace()
                        if cursor < end && cursor.pointee == ASCII.closeBracket {
                            throw error("trailing comma in array", at: cursor)
                        }
                        continue nextValue
                    }
                    guard byte == ASCII.closeBracket else {
                        throw error("expected ',' or ']' after an array element", at: cursor)
                    }
                    cursor += 1
                    value = .array(closeArray(frame))
                } else {
                    if byte == ASCII.comma {
                        cursor += 1
                        try parseKeyAndColon(afterComma: true)
                        continue nextValue
                    }
                    guard byte == ASCII.closeBrace else {
                        throw error("expected ',' or '}' after an object member", at: cursor)
                    }
                    cursor += 1
                    value = .object(closeObject(frame))
                }
            }
        }
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while cursor < end {
            let byte = cursor.pointee
            guard byte <= ASCII.space,
                byte == ASCII.space || byte == ASCII.lineFeed || byte == ASCII.carriageReturn || byte == ASCII.tab
            else { return }
            cursor += 1
        }
    }

    @inline(__always)
    mutating func expectLiteral(_ firstFour: UInt32, length: Int) throws(JSONParseError) {
        guard end - cursor >= length,
            UInt32(littleEndian: UnsafeRawPointer(cursor).loadUnaligned(as: UInt32.self)) == firstFour,
            length == 4 || cursor[4] == ASCII.lowerE
        else { throw error("invalid literal", at: cursor) }
        cursor += length
    }

    /// Parses `"key" :` with the cursor before the key (whitespace allowed).
    mutating func parseKeyAndColon(afterComma: Bool) throws(JSONParseError) {
        skipWhitespace()
        guard cursor < end else { throw endOfInput() }
        guard cursor.pointee == ASCII.quote else {
            if afterComma && cursor.pointee == ASCII.closeBrace {
                throw error("trailing comma in object", at: cursor)
            }
            throw error("expected a string as an object key", at: cursor)
        }
        let key = try parseString()
        if keyCount == keyCapacity { growKeys() }
        (keys + keyCount).initialize(to: PendingKey(key: key, asciiLength: lastStringASCIILength))
        keyCount += 1
        skipWhitespace()
        guard cursor < end, cursor.pointee == ASCII.colon else {
            if cursor == end { throw endOfInput() }
            throw error("expected ':' after an object key", at: cursor)
        }
        cursor += 1
    }

    @inline(__always)
    mutating func openContainer(keyBase: Int) throws(JSONParseError) {
        guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth) levels", at: cursor) }
        if depth == frameCapacity { growFrames() }
        frames[depth] = Frame(valueBase: valueCount, keyBase: keyBase)
        depth += 1
    }

    @inline(__always)
    mutating func pushValue(_ value: consuming JSONValue) {
        if valueCount == valueCapacity { growValues() }
        (values + valueCount).initialize(to: value)
        valueCount += 1
    }

    mutating func closeArray(_ frame: Frame) -> [JSONValue] {
        depth -= 1
        let count = valueCount - frame.valueBase
        let source = values + frame.valueBase
        valueCount = frame.valueBase
        return [JSONValue](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: source, count: count)
            initialized = count
        }
    }

    mutating func closeObject(_ frame: Frame) -> JSONObject {
        depth -= 1
        let count = valueCount - frame.valueBase
        let valueSource = values + frame.valueBase
        let keySource = keys + frame.keyBase
        valueCount = frame.valueBase
        keyCount = frame.keyBase
        let unique = Self.keysAreUnique(keySource, count: count)
        let members = [(key: String, value: JSONValue)](unsafeUninitializedCapacity: count) { buffer, initialized in
            let target = buffer.baseAddress!
            for index in 0..<count {
                (target + index).initialize(to: ((keySource + index).move().key, (valueSource + index).move()))
            }
            initialized = count
        }
        return unique ? JSONObject(uniqueMembers: members) : JSONObject(lastDuplicateWins: members)
    }

    /// Whether no two keys are equal as Swift strings (the equality `JSONObject` looks keys up by).
    static func keysAreUnique(_ keys: UnsafeMutablePointer<PendingKey>, count: Int) -> Bool {
        if count < 2 { return true }
        if count <= 16 {
            for second in 1..<count {
                let length = keys[second].asciiLength
                for first in 0..<second {
                    let otherLength = keys[first].asciiLength
                    // Two ASCII strings of different lengths can't be equal; anything else is compared.
                    if length >= 0 && otherLength >= 0 && length != otherLength { continue }
                    if keys[first].key == keys[second].key { return false }
                }
            }
            return true
        }
        var seen = Set<String>(minimumCapacity: count)
        for index in 0..<count where !seen.insert(keys[index].key).inserted { return false }
        return true
    }

    // MARK: Strings

    /// Parses a string with the cursor on its opening quote, leaving the cursor after the closing one.
    ///
    /// Runs without escapes are scanned eight bytes at a time and become the string directly; the
    /// first escape switches to copying decoded bytes into `scratch`.
    mutating func parseString() throws(JSONParseError) -> String {
        let openingQuote = cursor
        cursor += 1
        var runStart = cursor
        var decodedCount = -1  // bytes in scratch; -1 while no escape has been seen
        var isASCII = true
        while true {
            if end - cursor >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(cursor).loadUnaligned(as: UInt64.self))
                let mask = Self.specialBytes(in: word)
                if mask == 0 {
                    cursor += 8
                    continue
                }
                // The lowest flagged byte is exact: borrows only spread upwards from a real hit.
                cursor += mask.trailingZeroBitCount >> 3
            } else {
                guard cursor < end else { throw error("unterminated string", at: openingQuote) }
                let byte = cursor.pointee
                if byte >= ASCII.space && byte < 0x80 && byte != ASCII.quote && byte != ASCII.backslash {
                    cursor += 1
                    continue
                }
            }
            let byte = cursor.pointee
            if byte == ASCII.quote {
                let string: String
                if decodedCount < 0 {
                    string = String(
                        decoding: UnsafeBufferPointer(start: runStart, count: cursor - runStart), as: UTF8.self)
                    lastStringASCIILength = isASCII ? cursor - runStart : -1
                } else {
                    appendToScratch(runStart, count: cursor - runStart, at: &decodedCount)
                    string = String(decoding: UnsafeBufferPointer(start: scratch, count: decodedCount), as: UTF8.self)
                    lastStringASCIILength = isASCII ? decodedCount : -1
                }
                cursor += 1
                return string
            } else if byte == ASCII.backslash {
                if decodedCount < 0 { decodedCount = 0 }
                appendToScratch(runStart, count: cursor - runStart, at: &decodedCount)
                if try decodeEscape(into: &decodedCount, openingQuote: openingQuote) { isASCII = false }
                runStart = cursor
            } else if byte < ASCII.space {
                if byte == ASCII.lineFeed || byte == ASCII.carriageReturn {
                    throw error("unescaped line break in string", at: cursor)
                }
                throw error("unescaped control character in string", at: cursor)
            } else {
                try skipUTF8Sequence()
                isASCII = false
            }
        }
    }

    /// High bit set in each byte of `word` that is a quote, a backslash, a control character or not ASCII.
    @inline(__always)
    static func specialBytes(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(ASCII.quote))
        let backslashes = word ^ (ones &* UInt64(ASCII.backslash))
        let quoteHits = (quotes &- ones) & ~quotes
        let backslashHits = (backslashes &- ones) & ~backslashes
        let controlHits = (word &- ones &* UInt64(ASCII.space)) & ~word
        return (quoteHits | backslashHits | controlHits | word) & highs
    }

    /// Checks the multi-byte UTF-8 sequence at the cursor (RFC 3629: no overlong forms, no surrogates,
    /// nothing above U+10FFFF) and steps over it.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let sequence = cursor
        let lead = sequence.pointee
        let available = end - sequence
        @inline(__always) func continuation(_ index: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index < available && sequence[index] >= low && sequence[index] <= high
        }
        let length: Int
        switch lead {
        case 0xC2...0xDF:
            length = continuation(1) ? 2 : 0
        case 0xE0:
            length = continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            length = continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            length = continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            length = continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            length = continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            length = continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            length = 0
        }
        guard length > 0 else { throw error("invalid UTF-8 in string", at: cursor) }
        cursor += length
    }

    /// Decodes the escape at the cursor into `scratch` and steps over it; returns whether it produced a
    /// non-ASCII scalar.
    mutating func decodeEscape(
        into decodedCount: inout Int, openingQuote: UnsafePointer<UInt8>
    ) throws(JSONParseError) -> Bool {
        let backslash = cursor
        guard end - cursor >= 2 else { throw error("unterminated string", at: openingQuote) }
        let decoded: UInt8
        switch cursor[1] {
        case ASCII.quote: decoded = ASCII.quote
        case ASCII.backslash: decoded = ASCII.backslash
        case ASCII.slash: decoded = ASCII.slash
        case ASCII.lowerB: decoded = 0x08
        case ASCII.lowerF: decoded = 0x0C
        case ASCII.lowerN: decoded = ASCII.lineFeed
        case ASCII.lowerR: decoded = ASCII.carriageReturn
        case ASCII.lowerT: decoded = ASCII.tab
        case ASCII.lowerU:
            var scalar = try hexEscape(at: backslash)
            cursor += 6
            if scalar >= 0xD800 && scalar < 0xDC00 {
                guard end - cursor >= 2, cursor[0] == ASCII.backslash, cursor[1] == ASCII.lowerU else {
                    throw error("unpaired surrogate in \\u escape", at: backslash)
                }
                let low = try hexEscape(at: cursor)
                guard low >= 0xDC00 && low < 0xE000 else {
                    throw error("unpaired surrogate in \\u escape", at: backslash)
                }
                cursor += 6
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar < 0xE000 {
                throw error("unpaired surrogate in \\u escape", at: backslash)
            }
            appendScalar(scalar, at: &decodedCount)
            return scalar >= 0x80
        default:
            throw error("invalid escape sequence in string", at: backslash)
        }
        if decodedCount == scratchCapacity { growScratch(keeping: decodedCount, toFit: 1) }
        scratch[decodedCount] = decoded
        decodedCount += 1
        cursor += 2
        return false
    }

    /// The code unit of the `\uXXXX` escape at `position`.
    func hexEscape(at position: UnsafePointer<UInt8>) throws(JSONParseError) -> UInt32 {
        guard end - position >= 6 else {
            throw error("invalid \\u escape: expected four hexadecimal digits", at: position)
        }
        var unit: UInt32 = 0
        for index in 2..<6 {
            let byte = position[index]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte &- ASCII.zero
            case 0x41...0x46: digit = byte &- 0x41 &+ 10
            case 0x61...0x66: digit = byte &- 0x61 &+ 10
            default: throw error("invalid \\u escape: expected four hexadecimal digits", at: position)
            }
            unit = unit << 4 | UInt32(digit)
        }
        return unit
    }

    mutating func appendScalar(_ scalar: UInt32, at decodedCount: inout Int) {
        if scratchCapacity - decodedCount < 4 { growScratch(keeping: decodedCount, toFit: 4) }
        let target = scratch + decodedCount
        switch scalar {
        case 0..<0x80:
            target[0] = UInt8(scalar)
            decodedCount += 1
        case 0x80..<0x800:
            target[0] = UInt8(0xC0 | scalar >> 6)
            target[1] = UInt8(0x80 | scalar & 0x3F)
            decodedCount += 2
        case 0x800..<0x10000:
            target[0] = UInt8(0xE0 | scalar >> 12)
            target[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            target[2] = UInt8(0x80 | scalar & 0x3F)
            decodedCount += 3
        default:
            target[0] = UInt8(0xF0 | scalar >> 18)
            target[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            target[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            target[3] = UInt8(0x80 | scalar & 0x3F)
            decodedCount += 4
        }
    }

    @inline(__always)
    mutating func appendToScratch(_ source: UnsafePointer<UInt8>, count: Int, at decodedCount: inout Int) {
        if count == 0 { return }
        if scratchCapacity - decodedCount < count { growScratch(keeping: decodedCount, toFit: count) }
        (scratch + decodedCount).initialize(from: source, count: count)
        decodedCount += count
    }

    // MARK: Numbers

    /// Parses a number with the cursor on its first byte (`-` or a digit).
    ///
    /// Up to 19 digits are gathered into an integer; when that integer is at most 2^53 and the decimal
    /// exponent is small, one exact multiplication or division by an exact power of ten gives the
    /// correctly rounded result (Clinger's fast path). Anything else goes to the C library's `strtod`
    /// (through `Double(_:)`, which pins the C locale), which rounds correctly for any length.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let numberStart = cursor
        let isNegative = cursor.pointee == ASCII.minus
        if isNegative {
            cursor += 1
            guard cursor < end, Self.isDigit(cursor.pointee) else {
                throw error("expected a digit after '-'", at: cursor)
            }
        }
        var mantissa: UInt64 = 0
        var digitCount = 0  // digits gathered into `mantissa`, leading zeros included
        var exponent = 0
        var exact = true  // false once a digit did not fit into `mantissa`

        if cursor.pointee == ASCII.zero {
            cursor += 1
            if cursor < end && Self.isDigit(cursor.pointee) {
                throw error("leading zeros are not allowed", at: cursor - 1)
            }
        } else {
            while cursor < end, Self.isDigit(cursor.pointee) {
                if digitCount < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(cursor.pointee &- ASCII.zero)
                    digitCount += 1
                } else {
                    exact = false
                }
                cursor += 1
            }
        }
        if cursor < end && cursor.pointee == ASCII.period {
            cursor += 1
            guard cursor < end, Self.isDigit(cursor.pointee) else {
                throw error("expected a digit after the decimal point", at: cursor)
            }
            while cursor < end, Self.isDigit(cursor.pointee) {
                if digitCount < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(cursor.pointee &- ASCII.zero)
                    digitCount += 1
                    exponent -= 1
                } else {
                    exact = false
                }
                cursor += 1
            }
        }
        if cursor < end && (cursor.pointee | 0x20) == ASCII.lowerE {
            cursor += 1
            var exponentIsNegative = false
            if cursor < end && (cursor.pointee == ASCII.minus || cursor.pointee == ASCII.plus) {
                exponentIsNegative = cursor.pointee == ASCII.minus
                cursor += 1
            }
            guard cursor < end, Self.isDigit(cursor.pointee) else {
                throw error("expected a digit in the exponent", at: cursor)
            }
            var written = 0
            while cursor < end, Self.isDigit(cursor.pointee) {
                // Saturate: anything this large is zero or out of range whatever the digits say.
                if written < 100_000 { written = written * 10 + Int(cursor.pointee &- ASCII.zero) }
                cursor += 1
            }
            exponent += exponentIsNegative ? -written : written
        }

        if exact {
            if mantissa == 0 { return isNegative ? -0.0 : 0.0 }
            if let value = Self.clinger(mantissa, exponent) { return isNegative ? -value : value }
        }
        let text = String(decoding: UnsafeBufferPointer(start: numberStart, count: cursor - numberStart), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number out of range", at: numberStart)
        }
        return value
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- ASCII.zero < 10
    }

    /// `mantissa × 10^exponent` when one correctly rounded operation on exact operands gives it.
    @inline(__always)
    static func clinger(_ mantissa: UInt64, _ exponent: Int) -> Double? {
        let maxExact: UInt64 = 1 << 53
        guard mantissa <= maxExact else { return nil }
        let value = Double(mantissa)
        if exponent == 0 { return value }
        if exponent < 0 {
            return exponent >= -22 ? value / exactPowerOfTen(-exponent) : nil
        }
        if exponent <= 22 { return value * exactPowerOfTen(exponent) }
        // 1e30 = (10^8 × m) × 1e22 when 10^8 × m is still exact.
        guard exponent <= 22 + 15 else { return nil }
        let (scaled, overflow) = mantissa.multipliedReportingOverflow(by: UInt64(exactPowerOfTen(exponent - 22)))
        guard !overflow, scaled <= maxExact else { return nil }
        return Double(scaled) * 1e22
    }

    /// 10^n for 0 ≤ n ≤ 22, the powers of ten a `Double` holds exactly.
    @inline(__always)
    static func exactPowerOfTen(_ n: Int) -> Double {
        withUnsafeBytes(of: powersOfTen) { $0.load(fromByteOffset: n &* 8, as: Double.self) }
    }

    static let powersOfTen: (
        Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
        Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double
    ) = (
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    )

    // MARK: Stack growth

    @inline(never)
    mutating func growValues() {
        let grown = UnsafeMutablePointer<JSONValue>.allocate(capacity: valueCapacity * 2)
        grown.moveInitialize(from: values, count: valueCount)
        values.deallocate()
        values = grown
        valueCapacity *= 2
    }

    @inline(never)
    mutating func growKeys() {
        let grown = UnsafeMutablePointer<PendingKey>.allocate(capacity: keyCapacity * 2)
        grown.moveInitialize(from: keys, count: keyCount)
        keys.deallocate()
        keys = grown
        keyCapacity *= 2
    }

    @inline(never)
    mutating func growFrames() {
        let grown = UnsafeMutablePointer<Frame>.allocate(capacity: frameCapacity * 2)
        grown.moveInitialize(from: frames, count: depth)
        frames.deallocate()
        frames = grown
        frameCapacity *= 2
    }

    @inline(never)
    mutating func growScratch(keeping used: Int, toFit extra: Int) {
        var capacity = scratchCapacity * 2
        while capacity < used + extra { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        grown.moveInitialize(from: scratch, count: used)
        scratch.deallocate()
        scratch = grown
        scratchCapacity = capacity
    }
}
