import AerJSON
import Testing

@Suite("Mangled input")
struct MutationTests {
    static let seeds = [
        #"{"batch":[{"userId":"u1","event":"Order Completed","properties":{"price":19.99,"qty":2}}]}"#,
        #"[1,-0.5e-3,true,false,null,"a\"b\\c\u00e9\ud83d\ude00","héllo 😀",{},[],{"k":[{"x":{}}]}]"#,
        "{\n  \"a\" : [ 1 , 2 ] ,\r\n  \"b\" : \"\\n\"\n}",
    ]

    static let interestingBytes: [UInt8] =
        Array(#"{}[]",:\/-+.eE0123456789tfnu "#.utf8) + [0, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF0, 0xFF]

    /// Every mangled text is either accepted (and then survives a round trip) or rejected at a position
    /// inside the input; none may crash or read past the end.
    @Test func mangledDocumentsAreAcceptedOrRejectedCleanly() throws {
        var random = SeededGenerator(seed: 0xF022)
        for _ in 0..<30000 {
            var bytes = Array(Self.seeds.randomElement(using: &random)!.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes[index] = Self.interestingBytes.randomElement(using: &random)!
                case 1: bytes.insert(Self.interestingBytes.randomElement(using: &random)!, at: index)
                case 2: bytes.remove(at: index)
                case 3: bytes.removeSubrange(index...)
                default: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
                }
            }
            // An exactly sized copy, so reading one byte too far lands outside the allocation.
            let input = [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
                _ = buffer.initialize(from: bytes)
                count = bytes.count
            }
            do {
                let value = try JSONParser.parse(input)
                #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
            } catch {
                #expect(error.offset >= 0 && error.offset <= input.count)
                #expect(error.line >= 1 && error.column >= 1)
            }
        }
    }

    @Test func everyPrefixOfADocumentIsHandled() {
        for seed in Self.seeds {
            let bytes = Array(seed.utf8)
            for length in 0..<bytes.count {
                let prefix = Array(bytes[..<length])
                if let error = rejection(prefix) {
                    #expect(error.offset <= length)
                }
            }
        }
    }
}
