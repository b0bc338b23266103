import AerJSON
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("Parsing valid documents")
struct ValidDocumentTests {
    @Test func everyKindOfValueInOneDocument() {
        let value = parsed(#"{"s":"x","n":-1.5e3,"t":true,"f":false,"z":null,"a":[1,[]],"o":{}}"#)
        let expected: JSONValue = ["s": "x", "n": -1500, "t": true, "f": false, "z": nil, "a": [1, []], "o": [:]]
        #expect(value == expected)
    }

    @Test(arguments: [
        ("42", JSONValue.number(42)), ("\"x\"", .string("x")), ("null", .null), ("true", .bool(true)),
        ("false", .bool(false)), ("[]", .array([])), ("{}", .object(JSONObject())),
    ])
    func anyValueStandsAtTheTopLevel(text: String, expected: JSONValue) {
        #expect(parsed(text) == expected)
    }

    @Test func whitespaceIsSpaceTabCarriageReturnAndLineFeed() {
        let value = parsed(" \t\r\n[ 1 ,\t{ \"a\" :\r\n2 } , [ ] , { } ]\n ")
        #expect(value == [1, ["a": 2], [], [:]])
    }

    @Test func objectsKeepTheirMemberOrder() {
        let object = parsed(#"{"zeta":1,"alpha":2,"mid":3}"#).objectValue
        #expect(object?.keys == ["zeta", "alpha", "mid"])
    }

    @Test func nestedContainersComeBackWhole() {
        let value = parsed(#"[{"a":[{"b":[[1,2],{"c":{}}]}]},[[[]]],{"d":[null]}]"#)
        #expect(value == [["a": [["b": [[1, 2], ["c": [:]]]]]], [[[]]], ["d": [nil]]])
    }

    @Test func largeArraysAndObjectsGrowTheParserStacks() {
        let count = 5000
        let array = "[" + (0..<count).map { "{\"k\($0)\":[\($0),\"v\($0)\"]}" }.joined(separator: ",") + "]"
        let elements = parsed(array).arrayValue ?? []
        #expect(elements.count == count)
        #expect(elements.last == ["k4999": [4999, "v4999"]])
        let object = "{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
        let members = parsed(object).objectValue
        #expect(members?.count == count)
        #expect(members?["k1234"] == 1234)
    }

    @Test func theThreeEntryPointsAgree() throws {
        let text = #"{"a":[1,"é"]}"#
        let fromString = try JSONParser.parse(text)
        let fromArray = try JSONParser.parse(Array(text.utf8))
        let fromBuffer = try Array(text.utf8).withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parse(buffer) }
        }.get()
        #expect(fromString == ["a": [1, "é"]])
        #expect(fromArray == fromString)
        #expect(fromBuffer == fromString)
    }

    @Test func aSubstringOfALargerStringParses() {
        let line = "prefix {\"a\":1} suffix"
        let slice = line.dropFirst(7).dropLast(7)
        #expect(parsed(String(slice)) == ["a": 1])
    }
}

@Suite("Strings")
struct StringTests {
    @Test func simpleEscapesDecode() {
        #expect(parsed(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
    }

    @Test func unicodeEscapesDecodeInEitherCase() {
        #expect(parsed(#""\u00e9\u00E9\u0041\u65e5""#) == "ééA日")
    }

    @Test func escapedNulIsKept() {
        #expect(parsed(#""a\u0000b""#) == .string("a\u{0}b"))
    }

    @Test func surrogatePairsCombineIntoOneScalar() {
        #expect(parsed(#""\uD83D\uDE00 \udbff\udfff""#) == .string("😀 \u{10FFFF}"))
    }

    @Test func rawUTF8PassesThrough() {
        #expect(parsed(#""héllo 😀 日本 \#u{10FFFF}""#) == .string("héllo 😀 日本 \u{10FFFF}"))
    }

    @Test func deleteAndOtherNonControlASCIIAreAllowedRaw() {
        #expect(parsed("\"\u{7F}~ \"") == .string("\u{7F}~ "))
    }

    @Test func escapesMixWithRawUTF8() {
        #expect(parsed(#""é\n😀\u00e9x\"""#) == .string("é\n😀éx\""))
    }

    /// The scanner reads eight bytes at a time; a special byte must be found at every offset of a word.
    @Test func specialBytesAreFoundAtEveryPosition() {
        for length in 0..<40 {
            for position in 0..<max(1, length) {
                var plain = Array(repeating: UInt8(ascii: "a"), count: length)
                var expected = plain
                if length > 0 {
                    plain[position] = UInt8(ascii: "b")
                    expected[position] = UInt8(ascii: "b")
                }
                let cases: [(insert: [UInt8], decoded: String)] = [
                    (Array(#"\n"#.utf8), "\n"), (Array("é".utf8), "é"), (Array(#"\""#.utf8), "\""),
                    (Array("😀".utf8), "😀"),
                ]
                for special in cases {
                    var input = plain
                    input.insert(contentsOf: special.insert, at: position)
                    var output = expected
                    output.insert(contentsOf: Array(special.decoded.utf8), at: position)
                    let value = parsed(bytes: [0x22] + input + [0x22])
                    #expect(
                        value == .string(String(decoding: output, as: UTF8.self)), "length \(length) at \(position)")
                }
            }
        }
    }

    @Test func longEscapedStringsGrowTheScratchBuffer() {
        let body = String(repeating: #"abc\n\u00e9"#, count: 500)
        let expected = String(repeating: "abc\né", count: 500)
        #expect(parsed("\"\(body)\"") == .string(expected))
    }
}

@Suite("Numbers")
struct NumberTests {
    func number(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Double? {
        parsed(text, sourceLocation: sourceLocation).numberValue
    }

    @Test func decimalsRoundToTheNearestDouble() {
        #expect(number("0.1") == 0.1)
        #expect(number("19.99") == 19.99)
        #expect(number("-123.456e-2") == -1.23456)
        #expect(number("0.1000000000000000055511151231257827021181583404541015625") == 0.1)
    }

    @Test func integersBeyondTwoToThe53RoundHalfToEven() {
        #expect(number("9007199254740992") == 9_007_199_254_740_992)
        #expect(number("9007199254740993") == 9_007_199_254_740_992)
        #expect(number("9007199254740995") == 9_007_199_254_740_996)
        #expect(number("123456789012345678901234567890") == 1.2345678901234568e29)
    }

    @Test func exponentsInEveryForm() {
        #expect(number("1e21") == 1e21)
        #expect(number("1E2") == 100)
        #expect(number("1e+2") == 100)
        #expect(number("1e-2") == 0.01)
        #expect(number("1e23") == 1e23)
        #expect(number("12e30") == 1.2e31)
        #expect(number("0e0") == 0)
        #expect(number("2.5E-0003") == 0.0025)
    }

    @Test func negativeZeroKeepsItsSign() {
        #expect(number("-0")?.sign == .minus)
        #expect(number("-0.0e5")?.sign == .minus)
        #expect(number("0")?.sign == .plus)
    }

    @Test func subnormalsAndExtremes() {
        #expect(number("5e-324") == .leastNonzeroMagnitude)
        #expect(number("4.9406564584124654e-324") == .leastNonzeroMagnitude)
        // The largest subnormal, a classic trap for hand-written parsers.
        #expect(number("2.2250738585072011e-308") == Double(bitPattern: 0x000F_FFFF_FFFF_FFFF))
        #expect(number("1.7976931348623157e308") == .greatestFiniteMagnitude)
    }

    @Test func underflowBecomesZero() {
        #expect(number("1e-400") == 0)
        #expect(number("-1e-400")?.sign == .minus)
        #expect(number("1e-99999999999999999999") == 0)
        #expect(number("2.4703282292062327e-324") == 0)
        #expect(number("0e99999999999") == 0)
    }

    @Test(arguments: ["1e400", "-1e400", "1e99999999999999999999", "1\(String(repeating: "0", count: 400))"])
    func magnitudesBeyondDoubleAreRejected(text: String) {
        expectRejection(text, "number out of range", column: 1)
    }

    @Test func outOfRangeIsReportedAtTheNumber() {
        expectRejection("[1, 1e309]", "number out of range", column: 5)
    }

    /// Decimal strings of every shape checked against the C library, which rounds correctly.
    @Test func agreesWithStrtodOnGeneratedDecimals() {
        var random = SeededGenerator(seed: 0x5EED)
        for _ in 0..<20000 {
            let digitCount = Int.random(in: 1...25, using: &random)
            var digits = (0..<digitCount).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
            while digits.count > 1 && digits.hasPrefix("0") { digits.removeFirst() }
            let point = Int.random(in: 0...digits.count, using: &random)
            var text = Bool.random(using: &random) ? "-" : ""
            if point == 0 || point == digits.count {
                text += digits
            } else {
                text += digits.prefix(point) + "." + digits.dropFirst(point)
            }
            if Bool.random(using: &random) { text += "e\(Int.random(in: -330...310, using: &random))" }
            let expected = text.withCString { strtod($0, nil) }
            guard expected.isFinite else { continue }
            let actual = number(text)
            #expect(actual?.bitPattern == expected.bitPattern, "\(text)")
        }
    }
}

@Suite("Duplicate keys")
struct DuplicateKeyTests {
    @Test func lastDuplicateWinsAtTheFirstPosition() {
        let object = parsed(#"{"a":1,"b":2,"a":3}"#).objectValue
        #expect(object?.keys == ["a", "b"])
        #expect(object?["a"] == 3)
    }

    @Test func escapedSpellingsOfAKeyAreTheSameKey() {
        let object = parsed(#"{"a":1,"\u0061":2}"#).objectValue
        #expect(object?.keys == ["a"])
        #expect(object?["a"] == 2)
    }

    @Test func keysEqualAsSwiftStringsAreTheSameKey() {
        // Precomposed and decomposed é are one key, as for every other lookup in JSONObject.
        let object = parsed(#"{"é":1,"e\u0301":2}"#).objectValue
        #expect(object?.count == 1)
        #expect(object?["é"] == 2)
    }

    @Test func duplicatesInLargeObjects() {
        let members = (0..<100).map { "\"k\($0)\":\($0)" } + ["\"k7\":\"again\"", "\"k99\":null"]
        let object = parsed("{" + members.joined(separator: ",") + "}").objectValue
        #expect(object?.count == 100)
        #expect(object?.keys.first == "k0")
        #expect(object?.keys[7] == "k7")
        #expect(object?["k7"] == "again")
        #expect(object?["k99"] == .null)
    }

    @Test func sameLengthKeysAreNotMistakenForDuplicates() {
        let object = parsed(#"{"ab":1,"ba":2,"éa":3,"aé":4}"#).objectValue
        #expect(object?.count == 4)
    }

    @Test func duplicatesInNestedObjectsAreResolvedPerObject() {
        let value = parsed(#"{"o":{"x":1,"x":2},"p":{"x":3}}"#)
        #expect(value == ["o": ["x": 2], "p": ["x": 3]])
    }
}
