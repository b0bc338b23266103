/// Turns `JSONValue`s into JSON text (UTF-8).
///
/// - Strings escape only what JSON requires: `"`, `\`, and control characters (as `\n`, `\r`, `\t`,
///   `\b`, `\f`, or `\u00XX`); `/` and non-ASCII characters are written as they are.
/// - Numbers that are integers below 2^53 in magnitude are written as integers (`3`, and `0` for -0);
///   other finite numbers in Swift's shortest round-trip form (`0.1`, `1e+21`); NaN and infinities,
///   which JSON can't express, as `null`.
/// - Members keep their order unless `sortedKeys` asks for keys in ascending `String` order.
///
/// Parsing the output gives back an equal value, NaN and infinities aside.
public enum JSONWriter {
    /// Appends the compact JSON text of `value` to `buffer`.
    ///
    /// - Parameters:
    ///   - value: The value to write.
    ///   - buffer: Where the UTF-8 bytes go; existing contents are kept.
    ///   - sortedKeys: Whether object members are written in ascending key order rather than their own.
    public static func write(_ value: JSONValue, into buffer: inout [UInt8], sortedKeys: Bool = false) {
        writeCompact(value, into: &buffer, sortedKeys: sortedKeys)
    }

    /// The JSON text of `value`.
    ///
    /// - Parameters:
    ///   - value: The value to write.
    ///   - sortedKeys: Whether object members are written in ascending key order rather than their own.
    ///   - pretty: Whether to break lines and indent nested values by two spaces, with `": "` after keys.
    /// - Returns: The text.
    public static func string(_ value: JSONValue, sortedKeys: Bool = false, pretty: Bool = false) -> String {
        var buffer: [UInt8] = []
        if pretty {
            writePretty(value, into: &buffer, sortedKeys: sortedKeys, indent: 0)
        } else {
            buffer.reserveCapacity(256)
            writeCompact(value, into: &buffer, sortedKeys: sortedKeys)
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The compact JSON text of `value` as UTF-8 bytes.
    ///
    /// - Parameters:
    ///   - value: The value to write.
    ///   - sortedKeys: Whether object members are written in ascending key order rather than their own.
    /// - Returns: The bytes.
    public static func bytes(_ value: JSONValue, sortedKeys: Bool = false) -> [UInt8] {
        // Growing the buffer as it fills costs less than measuring the value first.
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256)
        writeCompact(value, into: &buffer, sortedKeys: sortedKeys)
        return buffer
    }

    /// The exact number of bytes in the compact JSON text of `value` (sorted or not: order doesn't change
    /// the length), worked out without building the text.
    ///
    /// - Parameter value: The value to measure.
    /// - Returns: What `bytes(value).count` would be.
    public static func encodedSize(_ value: JSONValue) -> Int {
        switch value {
        case .null: return 4
        case .bool(let flag): return flag ? 4 : 5
        case .number(let number): return numberSize(number)
        case .string(let string): return stringSize(string)
        case .array(let elements):
            var size = 2 + max(0, elements.count - 1)
            for element in elements { size += encodedSize(element) }
            return size
        case .object(let object):
            // Braces, commas between members, and a colon per member.
            var size = 2 + max(0, object.count - 1) + object.count
            for member in object.members { size += stringSize(member.key) + encodedSize(member.value) }
            return size
        }
    }

    // MARK: Compact

    static func writeCompact(_ value: JSONValue, into buffer: inout [UInt8], sortedKeys: Bool) {
        switch value {
        case .null: appendASCII("null", into: &buffer)
        case .bool(let flag): appendASCII(flag ? "true" : "false", into: &buffer)
        case .number(let number): writeNumber(number, into: &buffer)
        case .string(let string): writeString(string, into: &buffer)
        case .array(let elements):
            buffer.append(0x5B)
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(0x2C) }
                writeCompact(element, into: &buffer, sortedKeys: sortedKeys)
            }
            buffer.append(0x5D)
        case .object(let object):
            buffer.append(0x7B)
            for (index, member) in orderedMembers(object, sortedKeys: sortedKeys).enumerated() {
                if index > 0 { buffer.append(0x2C) }
                writeString(member.key, into: &buffer)
                buffer.append(0x3A)
                writeCompact(member.value, into: &buffer, sortedKeys: sortedKeys)
            }
            buffer.append(0x7D)
        }
    }

    // MARK: Pretty

    static func writePretty(_ value: JSONValue, into buffer: inout [UInt8], sortedKeys: Bool, indent: Int) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            buffer.append(0x5B)
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(0x2C) }
                newline(indent: indent + 1, into: &buffer)
                writePretty(element, into: &buffer, sortedKeys: sortedKeys, indent: indent + 1)
            }
            newline(indent: indent, into: &buffer)
            buffer.append(0x5D)
        case .object(let object) where !object.isEmpty:
            buffer.append(0x7B)
            for (index, member) in orderedMembers(object, sortedKeys: sortedKeys).enumerated() {
                if index > 0 { buffer.append(0x2C) }
                newline(indent: indent + 1, into: &buffer)
                writeString(member.key, into: &buffer)
                appendASCII(": ", into: &buffer)
                writePretty(member.value, into: &buffer, sortedKeys: sortedKeys, indent: indent + 1)
            }
            newline(indent: indent, into: &buffer)
            buffer.append(0x7D)
        default:
            writeCompact(value, into: &buffer, sortedKeys: sortedKeys)
        }
    }

    static func newline(indent: Int, into buffer: inout [UInt8]) {
        buffer.append(0x0A)
        buffer.append(contentsOf: repeatElement(0x20, count: indent * 2))
    }

    // MARK: Pieces

    static func orderedMembers(_ object: JSONObject, sortedKeys: Bool) -> [(key: String, value: JSONValue)] {
        sortedKeys ? object.members.sorted { $0.key < $1.key } : object.members
    }

    @inline(__always)
    static func appendASCII(_ text: StaticString, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// What a byte below 0x20 or `"` or `\` turns into after the backslash; 0 means `u00XX`.
    static func shortEscape(_ byte: UInt8) -> UInt8 {
        switch byte {
        case 0x22: 0x22
        case 0x5C: 0x5C
        case 0x0A: 0x6E  // n
        case 0x0D: 0x72  // r
        case 0x09: 0x74  // t
        case 0x08: 0x62  // b
        case 0x0C: 0x66  // f
        default: 0
        }
    }

    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C
    }

    static func writeString(_ string: String, into buffer: inout [UInt8]) {
        buffer.append(0x22)
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            while true {
                let index = firstByteNeedingEscape(in: utf8, from: runStart)
                if runStart < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                guard index < utf8.count else { break }
                let byte = utf8[index]
                buffer.append(0x5C)
                let short = shortEscape(byte)
                if short != 0 {
                    buffer.append(short)
                } else {
                    let hexDigits: StaticString = "0123456789abcdef"
                    appendASCII("u00", into: &buffer)
                    buffer.append(hexDigits.utf8Start[Int(byte >> 4)])
                    buffer.append(hexDigits.utf8Start[Int(byte & 0xF)])
                }
                runStart = index + 1
            }
        }
        buffer.append(0x22)
    }

    /// Index of the first `"`, `\` or control character at or after `start`, or `utf8.count`; looks at
    /// eight bytes at a time, since most strings need no escape at all.
    @inline(__always)
    static func firstByteNeedingEscape(in utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = utf8.baseAddress else { return 0 }
        var index = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        while utf8.count - index >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let quotes = word ^ (ones &* 0x22)
            let backslashes = word ^ (ones &* 0x5C)
            // High bit of each byte that is 0x22, 0x5C or below 0x20; exact for the lowest such byte.
            let hits =
                ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | (word &- ones &* 0x20) & ~word)
                & (ones &* 0x80)
            if hits != 0 { return index + hits.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < utf8.count && !needsEscape(base[index]) { index += 1 }
        return index
    }

    static func stringSize(_ string: String) -> Int {
        var string = string
        return string.withUTF8 { utf8 in
            var size = 2 + utf8.count
            for byte in utf8 where needsEscape(byte) { size += shortEscape(byte) != 0 ? 1 : 5 }
            return size
        }
    }

    /// Integers below 2^53 in magnitude are exact in a `Double` and read best without a fraction.
    @inline(__always)
    static func integerValue(_ number: Double) -> Int64? {
        guard number.magnitude < 9_007_199_254_740_992, number == number.rounded(.towardZero) else { return nil }
        return Int64(number)
    }

    static func writeNumber(_ number: Double, into buffer: inout [UInt8]) {
        if let integer = integerValue(number) {
            writeInteger(integer, into: &buffer)
        } else if number.isFinite {
            var text = number.description
            text.withUTF8 { buffer.append(contentsOf: $0) }
        } else {
            appendASCII("null", into: &buffer)
        }
    }

    static func writeInteger(_ integer: Int64, into buffer: inout [UInt8]) {
        if integer < 0 { buffer.append(0x2D) }
        var magnitude = integer.magnitude
        // 2^53 has 16 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    static func numberSize(_ number: Double) -> Int {
        if let integer = integerValue(number) {
            var magnitude = integer.magnitude
            var size = integer < 0 ? 2 : 1
            while magnitude >= 10 {
                magnitude /= 10
                size += 1
            }
            return size
        }
        if number.isFinite { return number.description.utf8.count }
        return 4
    }
}

extension JSONValue {
    /// The compact JSON text of this value, members in their own order.
    public var jsonString: String {
        JSONWriter.string(self)
    }
}
