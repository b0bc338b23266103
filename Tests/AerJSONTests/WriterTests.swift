import AerJSON
import Testing

@Suite("Writing JSON")
struct WriterTests {
    @Test func stringsEscapeOnlyWhatJSONRequires() {
        let value: JSONValue = .string("\"\\/\n\r\t\u{8}\u{C}\u{0}\u{1}\u{1F}\u{7F}é😀")
        #expect(value.jsonString == #""\"\\/\n\r\t\b\f\u0000\u0001\u001f\#u{7F}é😀""#)
    }

    /// The writer scans eight bytes at a time; an escape must be found at every offset of a word.
    @Test func escapesAreFoundAtEveryPosition() {
        for length in 1..<40 {
            for position in 0..<length {
                for (special, escaped) in [
                    ("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#), ("é", "é"),
                ] {
                    let prefix = String(repeating: "a", count: position)
                    let suffix = String(repeating: "ü", count: length - position - 1)
                    let value = JSONValue.string(prefix + special + suffix)
                    #expect(
                        value.jsonString == "\"" + prefix + escaped + suffix + "\"", "length \(length) at \(position)")
                }
            }
        }
    }

    @Test func keysAreEscapedLikeStrings() {
        let value: JSONValue = ["a\"b\n": 1]
        #expect(value.jsonString == #"{"a\"b\n":1}"#)
    }

    @Test(arguments: [
        (3.0, "3"), (-42.0, "-42"), (-0.0, "0"), (0.0, "0"), (9_007_199_254_740_991, "9007199254740991"),
        (-9_007_199_254_740_991, "-9007199254740991"), (9_007_199_254_740_992, "9007199254740992.0"), (1e16, "1e+16"),
        (1e20, "1e+20"), (0.1, "0.1"), (1.5, "1.5"), (-2.5e-7, "-2.5e-07"), (.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
    ])
    func numbersUseIntegersOrShortestRoundTripForm(number: Double, text: String) {
        #expect(JSONValue.number(number).jsonString == text)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        let value: JSONValue = [.number(.nan), .number(.infinity), .number(-.infinity)]
        #expect(value.jsonString == "[null,null,null]")
    }

    @Test func compactOutputHasNoWhitespaceAndKeepsMemberOrder() {
        let value: JSONValue = ["z": [1, true, nil, "s"], "a": [:], "m": []]
        #expect(value.jsonString == #"{"z":[1,true,null,"s"],"a":{},"m":[]}"#)
    }

    @Test func sortedKeysSortEveryObject() {
        let value: JSONValue = ["z": ["y": 1, "b": 2], "a": [["d": 1, "c": 2]]]
        #expect(JSONWriter.string(value, sortedKeys: true) == #"{"a":[{"c":2,"d":1}],"z":{"b":2,"y":1}}"#)
        #expect(JSONWriter.bytes(value, sortedKeys: true) == Array(#"{"a":[{"c":2,"d":1}],"z":{"b":2,"y":1}}"#.utf8))
    }

    @Test func prettyOutputIndentsByTwoSpaces() {
        let value: JSONValue = ["name": "x", "list": [1, [:], []], "inner": ["k": nil]]
        let expected = """
            {
              "name": "x",
              "list": [
                1,
                {},
                []
              ],
              "inner": {
                "k": null
              }
            }
            """
        #expect(JSONWriter.string(value, pretty: true) == expected)
    }

    @Test func writeAppendsToWhatIsInTheBuffer() {
        var buffer = Array("data: ".utf8)
        JSONWriter.write(["a": 1], into: &buffer)
        JSONWriter.write([2, 1], into: &buffer, sortedKeys: true)
        #expect(String(decoding: buffer, as: UTF8.self) == #"data: {"a":1}[2,1]"#)
    }

    @Test func encodedSizeCountsEveryByte() {
        let values: [JSONValue] = [
            nil, true, false, 0, -0.0, -7, 1_234_567_890_123, 0.1, 1e300, .number(.nan), "", "\u{0}\"\n😀é",
            [], [:], [1, "a", [nil]], ["k\u{1}": ["x": [true]]],
        ]
        for value in values {
            #expect(JSONWriter.encodedSize(value) == JSONWriter.bytes(value).count, "\(value)")
        }
    }

    @Test func encodedSizeMatchesBytesOnGeneratedValues() {
        var generator = ValueGenerator(seed: 7)
        for _ in 0..<500 {
            let value = generator.value(depth: 4)
            #expect(JSONWriter.encodedSize(value) == JSONWriter.bytes(value).count)
        }
    }
}

@Suite("Object equality")
struct ObjectEqualityTests {
    @Test func memberOrderDoesNotMatterForEquality() {
        let forward: JSONObject = ["a": 1, "b": [2], "c": nil]
        let shuffled: JSONObject = ["c": nil, "a": 1, "b": [2]]
        #expect(forward == shuffled)
        #expect(forward.hashValue == shuffled.hashValue)
    }

    @Test func differingValuesOrKeysAreUnequal() {
        let object: JSONObject = ["a": 1, "b": 2]
        #expect(object != ["a": 1, "b": 3])
        #expect(object != ["b": 3, "a": 1])
        #expect(object != ["a": 1, "c": 2])
        #expect(object != ["a": 1])
    }

    @Test func aLiteralWithARepeatedKeyKeepsTheLastValue() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test func aLargeListOfPairsWithRepeatsKeepsTheLastValues() {
        let pairs = (0..<200).map { ("k\($0 % 50)", JSONValue.number(Double($0))) }
        let object = JSONObject(pairs)
        #expect(object.count == 50)
        #expect(object.keys.first == "k0")
        #expect(object["k0"] == 150)
    }
}
