import AerJSON
import Testing

@Suite("Round trips")
struct RoundTripTests {
    @Test(arguments: [1, 2, 3, 4])
    func compactTextParsesBackToAnEqualValue(seed: UInt64) throws {
        var generator = ValueGenerator(seed: seed)
        for _ in 0..<300 {
            let value = generator.value(depth: 5)
            #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
        }
    }

    @Test func sortedAndPrettyTextParseBackToAnEqualValue() throws {
        var generator = ValueGenerator(seed: 99)
        for _ in 0..<300 {
            let value = generator.value(depth: 5)
            #expect(try JSONParser.parse(JSONWriter.bytes(value, sortedKeys: true)) == value)
            #expect(try JSONParser.parse(JSONWriter.string(value, pretty: true)) == value)
        }
    }

    @Test func numbersSurviveBitForBit() throws {
        var generator = ValueGenerator(seed: 1234)
        for _ in 0..<5000 {
            let number = generator.number()
            let back = try JSONParser.parse(JSONValue.number(number).jsonString).numberValue
            // -0 is written as 0; everything else keeps its exact bits.
            #expect(back?.bitPattern == (number == 0 ? 0.0 : number).bitPattern, "\(number)")
        }
    }

    @Test func rewritingParsedTextIsStable() throws {
        let text = #"{"batch":[{"event":"Order Completed","properties":{"price":19.99,"qty":2,"tags":["a\nb","é"]}}]}"#
        let once = JSONWriter.string(try JSONParser.parse(text))
        #expect(once == text)
        #expect(JSONWriter.string(try JSONParser.parse(once)) == once)
    }
}
