@testable import SMSChannel
import Testing

@Suite("SMS encoding and segment count")
struct SMSTextTests {
    @Test("the GSM 03.38 default alphabet has 127 characters besides the escape, the extension table 10")
    func alphabetSizes() {
        #expect(SMSText.basic.count == 127)
        #expect(SMSText.extended.count == 10)
        #expect(SMSText.basic.isDisjoint(with: SMSText.extended))
    }

    @Test("160 GSM-7 characters are one message; 161 are two segments")
    func gsmSingleLimit() {
        let full = SMSText(String(repeating: "a", count: 160))
        #expect(full.encoding == .gsm7)
        #expect(full.units == 160)
        #expect(full.segments == 1)
        let over = SMSText(String(repeating: "a", count: 161))
        #expect(over.segments == 2)
        #expect(SMSText(String(repeating: "a", count: 306)).segments == 2)
        #expect(SMSText(String(repeating: "a", count: 307)).segments == 3)
    }

    @Test("extension characters € [ ] { } ^ ~ | \\ take two septets and stay GSM-7")
    func extensionCharacters() {
        let text = SMSText("€[]{}^~|\\")
        #expect(text.encoding == .gsm7)
        #expect(text.units == 18)
        #expect(SMSText(String(repeating: "€", count: 80)).segments == 1)
        #expect(SMSText(String(repeating: "€", count: 81)).segments == 2)
    }

    @Test("an escape pair is never split between segments")
    func escapeNotSplit() {
        // 306 septets would fit two segments of 153, but the € would straddle the boundary.
        let text = SMSText(String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152))
        #expect(text.units == 306)
        #expect(text.segments == 3)
    }

    @Test("é, É, ß, Ñ and the Greek capitals are GSM-7; ê, á and ç are not")
    func accentedLetters() {
        #expect(SMSText("é É ß Ñ ü à ΔΦΓΛΩΠΨΣΘΞ £ ¥ § ¿ ¡").encoding == .gsm7)
        for letter in ["ê", "á", "ç"] {
            let text = SMSText("Caf\(letter)")
            #expect(text.encoding == .ucs2)
            #expect(text.firstNonGSMCharacter == letter.unicodeScalars.first)
        }
    }

    @Test("70 UCS-2 characters are one message; 71 are two segments of up to 67")
    func ucs2Limits() {
        let full = SMSText(String(repeating: "ж", count: 70))
        #expect(full.encoding == .ucs2)
        #expect(full.units == 70)
        #expect(full.segments == 1)
        #expect(SMSText(String(repeating: "ж", count: 71)).segments == 2)
        #expect(SMSText(String(repeating: "ж", count: 134)).segments == 2)
        #expect(SMSText(String(repeating: "ж", count: 135)).segments == 3)
    }

    @Test("an emoji is two UTF-16 units and its surrogate pair is never split between segments")
    func emoji() {
        let one = SMSText("Hi 😀")
        #expect(one.encoding == .ucs2)
        #expect(one.units == 5)
        #expect(one.firstNonGSMCharacter == "😀")
        #expect(SMSText(String(repeating: "😀", count: 35)).segments == 1)
        // 67 emoji are 134 units, which would fill two segments of 67 exactly if pairs could be split.
        let split = SMSText(String(repeating: "😀", count: 67))
        #expect(split.units == 134)
        #expect(split.segments == 3)
    }

    @Test("the too-long message names the count, the limit, the encoding and the culprit")
    func tooLongMessage() {
        let text = SMSText("Vous êtes parti ? " + String(repeating: "x", count: 782))
        #expect(text.segments == 12)
        let message = SMSPlugin.tooLong(text, limit: 10)
        #expect(message.hasPrefix("body needs 12 UCS-2 segments; max_segments is 10 — shorten the template or avoid characters outside GSM-7 such as 'ê' (U+00EA)"))
        let plain = SMSPlugin.tooLong(SMSText(String(repeating: "x", count: 1600)), limit: 10)
        #expect(plain.hasPrefix("body needs 11 GSM-7 segments; max_segments is 10 — shorten the template"))
    }
}

@Suite("E.164 numbers")
struct PhoneNumberTests {
    @Test("+ then 8 to 15 digits, the first not zero", arguments: ["+14155550123", "+4915112345678", "+12345678", "+123456789012345"])
    func valid(_ number: String) {
        #expect(PhoneNumber.isE164(number))
    }

    @Test("anything else is refused", arguments: [
        "14155550123", "+04155550123", "+1234567", "+1234567890123456", "+1 415 555 0123", "+1-415-555-0123",
        "+1415555012a", "", "+", "++14155550123", "+１４１５５５５０１２３",
    ])
    func invalid(_ number: String) {
        #expect(!PhoneNumber.isE164(number))
    }
}
