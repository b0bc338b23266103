import AerJSON
import Testing

/// Parses text that must be valid, recording a test issue (and returning null) when it is not.
func parsed(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONParser.parse(text)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// Parses bytes that must be valid.
func parsed(bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONParser.parse(bytes)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// The error a text that must be invalid is rejected with.
func rejection(_ bytes: [UInt8], maxDepth: Int = 256, sourceLocation: SourceLocation = #_sourceLocation)
    -> JSONParseError?
{
    do {
        let value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        Issue.record("accepted as \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Expects `text` to be rejected for `reason` at `line` and `column`.
func expectRejection(
    _ text: String, _ reason: String, line: Int = 1, column: Int, sourceLocation: SourceLocation = #_sourceLocation
) {
    expectRejection(bytes: Array(text.utf8), reason, line: line, column: column, sourceLocation: sourceLocation)
}

/// Expects `bytes` to be rejected for `reason` at `line` and `column`.
func expectRejection(
    bytes: [UInt8], _ reason: String, line: Int = 1, column: Int, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error = rejection(bytes, sourceLocation: sourceLocation) else { return }
    #expect(error.reason == reason, sourceLocation: sourceLocation)
    #expect(error.line == line, "line", sourceLocation: sourceLocation)
    #expect(error.column == column, "column", sourceLocation: sourceLocation)
}

/// SplitMix64: a small seeded generator, so "random" corpora are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Random JSON values with awkward strings and numbers, objects with unique keys, nesting up to `depth`.
struct ValueGenerator {
    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func value(depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 8 : 5), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2, 3: return .number(number())
        case 4: return .string(string())
        case 5: return .array((0..<Int.random(in: 0...5, using: &random)).map { _ in value(depth: depth - 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...6, using: &random) { object[string()] = value(depth: depth - 1) }
            return .object(object)
        }
    }

    mutating func number() -> Double {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return Double(Int.random(in: -1000...1000, using: &random))
        case 1: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &random))
        case 2: return Double(Int.random(in: -99999...99999, using: &random)) / 100
        case 3: return Double.random(in: -1...1, using: &random)
        case 4:
            // Any finite double, subnormals and extremes included.
            while true {
                let candidate = Double(bitPattern: random.next())
                if candidate.isFinite { return candidate }
            }
        default:
            return [
                0.0, -0.0, 0.1, 1e21, 1e-7, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude,
            ]
            .randomElement(using: &random)!
        }
    }

    mutating func string() -> String {
        let pieces = [
            "a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "日本",
            "😀", "\u{FFFF}", "\u{10FFFF}", "product_id", "Mozilla/5.0",
        ]
        var text = ""
        for _ in 0..<Int.random(in: 0...12, using: &random) { text += pieces.randomElement(using: &random)! }
        return text
    }
}
