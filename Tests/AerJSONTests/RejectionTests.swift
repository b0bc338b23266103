import AerJSON
import Testing

@Suite("Rejecting invalid documents")
struct RejectionTests {
    @Test func emptyInputIsRejected() {
        expectRejection("", "unexpected end of input", column: 1)
        expectRejection(" \n ", "unexpected end of input", line: 2, column: 2)
    }

    @Test func anEmptyBufferWithoutAnAddressIsRejected() {
        #expect(throws: JSONParseError(reason: "unexpected end of input", offset: 0, line: 1, column: 1)) {
            try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    @Test func trailingCommasAreRejected() {
        expectRejection("[1,]", "trailing comma in array", column: 4)
        expectRejection(#"{"a":1 , }"#, "trailing comma in object", column: 10)
    }

    @Test func commentsAreRejected() {
        expectRejection("// note\n1", "expected a value", column: 1)
        expectRejection("[1, /* two */ 2]", "expected a value", column: 5)
        expectRejection("[1] // done", "unexpected data after the JSON value", column: 5)
    }

    @Test func leadingZerosAreRejected() {
        expectRejection("01", "leading zeros are not allowed", column: 1)
        expectRejection("[-012]", "leading zeros are not allowed", column: 3)
        expectRejection("00.5", "leading zeros are not allowed", column: 1)
    }

    @Test func nanAndInfinityAreRejected() {
        expectRejection("NaN", "expected a value", column: 1)
        expectRejection("[Infinity]", "expected a value", column: 2)
        expectRejection("-Infinity", "expected a digit after '-'", column: 2)
        expectRejection("nan", "invalid literal", column: 1)
    }

    @Test func malformedNumbersAreRejected() {
        expectRejection("+1", "expected a value", column: 1)
        expectRejection(".5", "expected a value", column: 1)
        expectRejection("-", "expected a digit after '-'", column: 2)
        expectRejection("1.", "expected a digit after the decimal point", column: 3)
        expectRejection("[1.e5]", "expected a digit after the decimal point", column: 4)
        expectRejection("1e", "expected a digit in the exponent", column: 3)
        expectRejection("1e+", "expected a digit in the exponent", column: 4)
        expectRejection("0x10", "unexpected data after the JSON value", column: 2)
    }

    @Test func malformedLiteralsAreRejected() {
        expectRejection("tru", "invalid literal", column: 1)
        expectRejection("[True]", "expected a value", column: 2)
        expectRejection("[nul]", "invalid literal", column: 2)
        expectRejection("falsy", "invalid literal", column: 1)
        expectRejection("nulll", "unexpected data after the JSON value", column: 5)
    }

    @Test func rawControlCharactersInStringsAreRejected() {
        expectRejection("\"a\tb\"", "unescaped control character in string", column: 3)
        expectRejection("\"a\u{0}b\"", "unescaped control character in string", column: 3)
        expectRejection("[\"0123456789\u{1F}\"]", "unescaped control character in string", column: 13)
        expectRejection("\"a\nb\"", "unescaped line break in string", column: 3)
    }

    @Test func invalidEscapesAreRejected() {
        expectRejection(#""a\x""#, "invalid escape sequence in string", column: 3)
        expectRejection(#""\'""#, "invalid escape sequence in string", column: 2)
        expectRejection(#""\U0041""#, "invalid escape sequence in string", column: 2)
        expectRejection(#""ab\u12G4""#, #"invalid \u escape: expected four hexadecimal digits"#, column: 4)
        expectRejection(#""\u12""#, #"invalid \u escape: expected four hexadecimal digits"#, column: 2)
    }

    @Test func loneSurrogatesInEscapesAreRejected() {
        expectRejection(#""\uD800""#, #"unpaired surrogate in \u escape"#, column: 2)
        expectRejection(#""x\uDC00\uD800""#, #"unpaired surrogate in \u escape"#, column: 3)
        expectRejection(#""\uD800\u0041""#, #"unpaired surrogate in \u escape"#, column: 2)
        expectRejection(#""\uD83Dx""#, #"unpaired surrogate in \u escape"#, column: 2)
        expectRejection(#""\uD83D\uD83D""#, #"unpaired surrogate in \u escape"#, column: 2)
    }

    @Test(
        arguments: [
            [0xFF], [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xC3, 0x28],
        ] as [[UInt8]])
    func invalidUTF8InStringsIsRejected(sequence: [UInt8]) {
        expectRejection(
            bytes: Array(#"["ok", "é-"#.utf8) + sequence + Array(#"-"]"#.utf8), "invalid UTF-8 in string", column: 11)
    }

    @Test func invalidUTF8AtTheEndOfTheInputIsRejected() {
        expectRejection(bytes: [0x22, 0xE2, 0x82], "invalid UTF-8 in string", column: 2)
    }

    @Test func bytesOutsideStringsMustBeJSON() {
        expectRejection(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), "expected a value", column: 1)
        expectRejection("\u{C}1", "expected a value", column: 1)
        expectRejection("\u{A0}1", "expected a value", column: 1)
    }

    @Test func unterminatedStringsAreReportedAtTheirOpeningQuote() {
        expectRejection(#""abc"#, "unterminated string", column: 1)
        expectRejection(#"["a", "bcdefghijklmnop"#, "unterminated string", column: 7)
        expectRejection(#""ab\"#, "unterminated string", column: 1)
    }

    @Test func missingPunctuationIsNamed() {
        expectRejection(#"{"a" 1}"#, "expected ':' after an object key", column: 6)
        expectRejection(#"{"a":1 "b":2}"#, "expected ',' or '}' after an object member", column: 8)
        expectRejection("[1 2]", "expected ',' or ']' after an array element", column: 4)
        expectRejection("{a:1}", "expected a string as an object key", column: 2)
        expectRejection("{'a':1}", "expected a string as an object key", column: 2)
        expectRejection("[1}", "expected ',' or ']' after an array element", column: 3)
    }

    @Test func truncatedDocumentsEndUnexpectedly() {
        expectRejection("[1,", "unexpected end of input", column: 4)
        expectRejection(#"{"a":"#, "unexpected end of input", column: 6)
        expectRejection(#"{"a""#, "unexpected end of input", column: 5)
        expectRejection("{", "unexpected end of input", column: 2)
        expectRejection("[[1]", "unexpected end of input", column: 5)
    }

    @Test func dataAfterTheValueIsRejected() {
        expectRejection("1 2", "unexpected data after the JSON value", column: 3)
        expectRejection("{}}", "unexpected data after the JSON value", column: 3)
        expectRejection(bytes: Array("{}".utf8) + [0], "unexpected data after the JSON value", column: 3)
    }

    @Test func positionsCountLinesAndScalars() {
        expectRejection("{\n  \"a\": 1,\n  \"b\" 2\n}", "expected ':' after an object key", line: 3, column: 7)
        expectRejection("[\r\n1,\r\n]", "trailing comma in array", line: 3, column: 1)
        expectRejection("[\r1,\r]", "trailing comma in array", line: 3, column: 1)
        expectRejection("[\"é😀\", x]", "expected a value", column: 8)
    }

    @Test func theErrorDescribesItselfForPeople() {
        let error = rejection(Array("[1,]".utf8))
        #expect(error?.description == "invalid JSON at line 1, column 4: trailing comma in array")
        #expect(error?.offset == 3)
    }
}

@Suite("Nesting depth")
struct DepthTests {
    func nested(_ depth: Int) -> [UInt8] {
        Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        var value = try JSONParser.parse(nested(256))
        var depth = 0
        while case .array(let elements) = value, let first = elements.first {
            value = first
            depth += 1
        }
        #expect(depth == 255)
    }

    @Test func nestingBeyondTheLimitIsRejectedAtTheExtraBracket() {
        let error = rejection(nested(257))
        #expect(error?.reason == "nesting deeper than 256 levels")
        #expect(error?.column == 257)
    }

    @Test func aMillionOpenBracketsAreRejectedWithoutCrashing() {
        let error = rejection(Array(repeating: UInt8(ascii: "["), count: 1_000_000))
        #expect(error?.offset == 256)
    }

    @Test func objectsCountTowardsTheDepth() {
        let deep = String(repeating: #"{"a":"#, count: 300) + "1" + String(repeating: "}", count: 300)
        #expect(rejection(Array(deep.utf8))?.reason == "nesting deeper than 256 levels")
    }

    @Test func theLimitCanBeChosen() throws {
        #expect(try JSONParser.parse("[[1]]", maxDepth: 2) == [[1]])
        #expect(rejection(Array("[[[1]]]".utf8), maxDepth: 2)?.reason == "nesting deeper than 2 levels")
        #expect(try JSONParser.parse("7", maxDepth: 0) == 7)
        #expect(rejection(Array("[]".utf8), maxDepth: 0)?.column == 1)
    }

    @Test func aLargeLimitStillCannotExhaustTheStack() throws {
        var current = try JSONParser.parse(nested(100_000), maxDepth: 1_000_000)
        // Take the value apart one level at a time: releasing it whole would recurse 100 000 frames deep.
        var depth = 0
        while case .array(var elements) = current, !elements.isEmpty {
            current = elements.removeLast()
            depth += 1
        }
        #expect(depth == 99_999)
    }
}
