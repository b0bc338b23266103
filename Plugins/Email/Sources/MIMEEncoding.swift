import Foundation

/// The encodings an email needs: header folding, RFC 2047 encoded-words, quoted-printable and base64 bodies,
/// and the RFC 5322 date. Pure functions over bytes, so they are easy to test in isolation.
enum MIMEEncoding {
    static let crlf: [UInt8] = [13, 10]
    /// RFC 5322 §2.1.1: lines SHOULD be no longer than 78 characters, excluding the CRLF.
    static let maxHeaderLine = 78
    /// RFC 2045 §6.7/§6.8: encoded body lines are at most 76 characters.
    static let maxBodyLine = 76
    /// UTF-8 bytes per encoded-word: 42 bytes are 56 base64 characters, and `=?UTF-8?B?…?=` adds 12, so
    /// one word fits on a folded line even after the longest header name we put before one ("Reply-To: ").
    static let encodedWordBytes = 42

    // MARK: Headers

    /// One header field, folded at spaces so that no line exceeds 78 characters where the words allow it.
    /// - Parameters:
    ///   - name: the field name, e.g. `Subject`.
    ///   - words: the value's words; they are joined with single spaces, and a fold replaces a space by
    ///     CRLF + space, which unfolding turns back into the same space.
    /// - Returns: the field with its terminating CRLF.
    static func field(_ name: String, _ words: [String]) -> String {
        var result = name + ":"
        var lineLength = result.utf8.count
        for word in words {
            let length = word.utf8.count
            if lineLength + 1 + length > maxHeaderLine && lineLength > name.utf8.count + 1 {
                result += "\r\n"
                lineLength = 0
            }
            result += " " + word
            lineLength += 1 + length
        }
        return result + "\r\n"
    }

    /// An unstructured value (a subject) as header words: kept readable when it is plain ASCII, otherwise
    /// RFC 2047 encoded-words (UTF-8, base64). Control characters, line breaks included, become spaces, so a
    /// value can never start a header of its own.
    static func unstructuredWords(_ text: String) -> [String] {
        let words = normalizedWords(text)
        let plain = words.allSatisfy { word in
            word.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E } && word.utf8.count <= maxHeaderLine - 2
                && !(word.hasPrefix("=?") && word.contains("?="))
        }
        return plain ? words : encodedWords(words.joined(separator: " "))
    }

    /// A display name as an RFC 5322 phrase: atoms when it needs no quoting, a quoted-string when it has
    /// specials (`Stride, Inc.` → `"Stride, Inc."`), encoded-words when it is not ASCII.
    static func phraseWords(_ name: String) -> [String] {
        let words = normalizedWords(name)
        let joined = words.joined(separator: " ")
        if joined.utf8.contains(where: { $0 >= 0x80 }) {
            return encodedWords(joined)
        }
        if words.allSatisfy({ $0.utf8.allSatisfy(EmailAddress.isAtext) }) {
            return words
        }
        var quoted = "\""
        for character in joined {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        quoted.append("\"")
        // Folding inside a quoted-string at a space is allowed (RFC 5322 §3.2.4: FWS within the quotes).
        return quoted.split(separator: " ").map(String.init)
    }

    /// `text` as a sequence of `=?UTF-8?B?…?=` words, each holding whole Unicode scalars.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > encodedWordBytes && !chunk.isEmpty {
                words.append(encodedWord(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// Words of `text` after control characters became spaces and runs of spaces collapsed.
    private static func normalizedWords(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let control = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || scalar == "\u{2028}" || scalar == "\u{2029}"
            cleaned.append(control ? " " : scalar)
        }
        return String(cleaned).split(separator: " ").map(String.init)
    }

    // MARK: Bodies

    /// A text body in canonical form (CRLF line breaks), encoded with whichever of quoted-printable and
    /// base64 is shorter: quoted-printable keeps mostly-ASCII text readable, base64 keeps mostly non-Latin
    /// text from tripling in size.
    /// - Parameters:
    ///   - text: the content.
    ///   - exactEnd: the body ends the message, whose last line break would otherwise become part of the
    ///     content: quoted-printable then ends with a soft break (`=`), which decodes to nothing. (In a
    ///     multipart body the last CRLF belongs to the next boundary, so the content is exact anyway.)
    /// - Returns: the `Content-Transfer-Encoding` value and the encoded body, without a final CRLF.
    static func encodeText(_ text: String, exactEnd: Bool = false) -> (encoding: String, body: [UInt8]) {
        let lines = canonicalLines(text)
        let quoted = quotedPrintable(lines, softEnd: exactEnd)
        let canonical = Array(lines.joined(separator: crlf))
        let base64Length = (canonical.count + 2) / 3 * 4
        let base64WithBreaks = base64Length + base64Length / maxBodyLine * 2
        if quoted.count <= base64WithBreaks {
            return ("quoted-printable", quoted)
        }
        return ("base64", base64(canonical))
    }

    /// The text split at every line break (CRLF, CR or LF), as UTF-8.
    static func canonicalLines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var previousCR = false
        for byte in text.utf8 {
            if byte == 10 && previousCR {
                previousCR = false
                continue
            }
            previousCR = byte == 13
            if byte == 10 || byte == 13 {
                lines.append(current)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        lines.append(current)
        return lines
    }

    /// RFC 2045 §6.7 quoted-printable of `lines`, joined by hard (CRLF) line breaks; soft breaks (`=` CRLF)
    /// keep every line within 76 characters. A `.` at the start of a line is left as it is: the SMTP client
    /// dot-stuffs it (RFC 5321 §4.5.2). With `softEnd`, the output ends in a soft line break.
    static func quotedPrintable(_ lines: [[UInt8]], softEnd: Bool = false) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(lines.reduce(0) { $0 + $1.count + 2 } * 11 / 10)
        for (lineIndex, line) in lines.enumerated() {
            if lineIndex > 0 { output += crlf }
            var lineLength = 0
            for (index, byte) in line.enumerated() {
                let isLast = index == line.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 32 || byte == 9) && !isLast)
                let width = literal ? 1 : 3
                // The last token of a line may use the 76th column; any other needs room for a soft break.
                let endsHardLine = isLast && !(softEnd && lineIndex == lines.count - 1)
                if lineLength + width > (endsHardLine ? maxBodyLine : maxBodyLine - 1) {
                    output += [UInt8(ascii: "=")] + crlf
                    lineLength = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
                lineLength += width
            }
        }
        if softEnd { output.append(UInt8(ascii: "=")) }
        return output
    }

    /// Base64 in lines of 76 characters joined by CRLF.
    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        let encoded = Array(Data(bytes).base64EncodedString().utf8)
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count + encoded.count / maxBodyLine * 2)
        var start = 0
        while start < encoded.count {
            if start > 0 { output += crlf }
            let end = min(start + maxBodyLine, encoded.count)
            output += encoded[start..<end]
            start = end
        }
        return output
    }

    // MARK: Date

    /// RFC 5322 §3.3 date-time in UTC, e.g. `Tue, 01 Jul 2025 09:05:03 +0000`.
    static func date(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    // MARK: Identifiers

    /// FNV-1a, 64 bits: a stable, dependency-free hash for boundaries and shortened Message-IDs.
    static func fnv1a(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
