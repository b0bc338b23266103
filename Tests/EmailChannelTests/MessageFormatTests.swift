import AerPluginAPI
import Foundation
import Testing

@testable import EmailChannel

/// The message format on its own: encodings, folding, identifiers, addresses.
@Suite("Email message format")
struct MessageFormatTests {
    // MARK: Bodies

    @Test("quoted-printable keeps lines within 76 characters and decodes to the same bytes")
    func quotedPrintableRoundTrip() {
        let samples = [
            String(repeating: "a", count: 200),
            String(repeating: "=", count: 100),
            String(repeating: "ü", count: 60) + " end",
            "trailing space \ntrailing tab\t\n\tleading tab",
            String(repeating: "x", count: 74) + "=" + String(repeating: "y", count: 10),
            String(repeating: "x", count: 75) + " ",
            "line\r\nwith\rmixed\nbreaks\n",
            "",
            ".\n..\n",
        ]
        for sample in samples {
            for softEnd in [false, true] {
                let encoded = MIMEEncoding.quotedPrintable(MIMEEncoding.canonicalLines(sample), softEnd: softEnd)
                let lines = String(decoding: encoded, as: UTF8.self).components(separatedBy: "\r\n")
                #expect(lines.allSatisfy { $0.utf8.count <= 76 }, "\(sample.debugDescription)")
                #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") }, "\(sample.debugDescription)")
                #expect(encoded.allSatisfy { $0 < 0x80 })
                let canonical = Array(MIMEEncoding.canonicalLines(sample).joined(separator: [13, 10]))
                #expect(Self.decodeQuotedPrintable(encoded) == canonical, "\(sample.debugDescription)")
            }
        }
    }

    @Test("mostly non-Latin text is sent as base64, mostly ASCII text as quoted-printable")
    func transferEncodingChoice() {
        #expect(MIMEEncoding.encodeText("Hallo Jürgen, wir vermissen dich.").encoding == "quoted-printable")
        #expect(MIMEEncoding.encodeText("Привет, Ада! Мы скучаем по тебе.").encoding == "base64")
        let body = MIMEEncoding.encodeText(String(repeating: "東京", count: 100)).body
        let lines = String(decoding: body, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(Data(base64Encoded: lines.joined()) == Data(String(repeating: "東京", count: 100).utf8))
    }

    // MARK: Headers

    @Test("a non-ASCII subject becomes encoded-words that decode back and fold within 78 characters")
    func encodedSubject() {
        let subjects = [
            "Wir vermissen dich, Jürgen! 20 % Rabatt auf deine nächste Bestellung bei Stride 👟",
            "👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟👟",
            "é",
            "👨‍👩‍👧‍👦 family: a grapheme of several scalars",
        ]
        for subject in subjects {
            let field = MIMEEncoding.field("Subject", MIMEEncoding.unstructuredWords(subject))
            let lines = Self.unterminated(field).components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 78 })
            #expect(lines.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } })
            #expect(Self.decodeEncodedWords(String(Self.unterminated(field).dropFirst("Subject: ".count))) == subject)
        }
    }

    @Test("a long ASCII subject is folded at spaces and unfolds to the original")
    func foldedSubject() {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let field = MIMEEncoding.field("Subject", MIMEEncoding.unstructuredWords(subject))
        let lines = Self.unterminated(field).components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.joined() == "Subject: " + subject)
    }

    @Test("line breaks in a subject cannot start a header of their own")
    func headerInjection() {
        let field = MIMEEncoding.field("Subject", MIMEEncoding.unstructuredWords("Hi\r\nBcc: victim@example.com\nX: y"))
        #expect(field == "Subject: Hi Bcc: victim@example.com X: y\r\n")
        let name = MIMEEncoding.field("To", MIMEEncoding.phraseWords("Ada\r\nBcc: x@example.com") + ["<ada@example.com>"])
        #expect(!name.contains("\r\nBcc"))
    }

    @Test("an ASCII subject that looks like an encoded-word is encoded, so it reads as written")
    func literalEncodedWordLookalike() {
        let words = MIMEEncoding.unstructuredWords("=?UTF-8?B?aGk=?= is not a greeting")
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") })
    }

    @Test(
        "display names: atoms stay as they are, specials are quoted, non-ASCII is encoded",
        arguments: [
            ("Ada Lovelace", "Ada Lovelace <ada@example.com>"),
            ("Stride, Inc.", "\"Stride, Inc.\" <ada@example.com>"),
            ("Ada \"Countess\" L.", "\"Ada \\\"Countess\\\" L.\" <ada@example.com>"),
            ("Jürgen", "=?UTF-8?B?SsO8cmdlbg==?= <ada@example.com>"),
        ])
    func displayNames(name: String, expected: String) throws {
        let words = MessageComposer.mailboxWords(Mailbox(name: name, address: try EmailAddress("ada@example.com")))
        #expect(words.joined(separator: " ") == expected)
    }

    @Test("Date is RFC 5322 in UTC")
    func dates() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        for seconds in [0, 951_782_400, 1_709_164_800, 1_751_360_703, 4_102_444_799, -86_401] {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(MIMEEncoding.date(date) == formatter.string(from: date), "\(seconds)")
        }
    }

    // MARK: Identifiers

    @Test("Message-ID: the key in atext, one-to-one, at the sender's domain")
    func messageIDs() {
        #expect(MessageComposer.messageID(key: "a:b", domain: "x.example") == "<a%3Ab@x.example>")
        #expect(MessageComposer.messageID(key: "a%3Ab", domain: "x.example") == "<a%253Ab@x.example>")
        #expect(MessageComposer.messageID(key: "a.b", domain: "x.example") == "<a%2Eb@x.example>")
        let long = String(repeating: "k", count: 500)
        let id = MessageComposer.messageID(key: long, domain: "x.example")
        #expect(id.utf8.count < 220)
        #expect(id == MessageComposer.messageID(key: long, domain: "x.example"))
        #expect(id != MessageComposer.messageID(key: long + "x", domain: "x.example"))
        let left = id.dropFirst().prefix { $0 != "@" }
        #expect(left.utf8.allSatisfy { EmailAddress.isAtext($0) || $0 == UInt8(ascii: ".") })
    }

    // MARK: Addresses

    @Test(
        "addresses that are accepted",
        arguments: ["ada@example.com", "a.b+tag@sub.example.co.uk", "o'brien@example.ie", "root@localhost", "x@a-b.example"])
    func validAddresses(address: String) throws {
        #expect(try EmailAddress(address).value == address)
    }

    @Test(
        "addresses that are refused, and why",
        arguments: [
            ("", "it is empty"),
            ("ada", "it has no '@'"),
            ("a@b@example.com", "it has more than one '@'"),
            ("@example.com", "the part before '@' is empty"),
            ("ada@", "the domain after '@' is empty"),
            ("ada@example", "the domain 'example' has no dot"),
            ("ada lovelace@example.com", "it contains a space"),
            ("ada@exam\u{7}ple.com", "it contains a control character"),
            ("<ada@example.com>", "it contains an angle bracket; give the bare address, e.g. ada@example.com"),
            ("jürgen@example.com", "it contains non-ASCII characters (internationalized addresses are not supported)"),
            (String(repeating: "a", count: 65) + "@example.com", "the part before '@' is 65 characters long; the limit is 64"),
            ("a..b@example.com", "the part before '@' has a misplaced '.'"),
            ("ada@example..com", "the domain has an empty label (a misplaced '.')"),
            ("ada@-example.com", "a domain label starts or ends with '-'"),
            ("ada(x)@example.com", "the part before '@' contains '('"),
        ])
    func invalidAddresses(address: String, reason: String) {
        #expect(throws: EmailAddress.Problem.self) { try EmailAddress(address) }
        do {
            _ = try EmailAddress(address)
        } catch {
            #expect(error.description == reason)
        }
    }

    @Test("mailboxes parse with and without a display name")
    func mailboxes() throws {
        #expect(try Mailbox(parsing: "Stride Sneakers <hello@stride.example>") == Mailbox(name: "Stride Sneakers", address: try EmailAddress("hello@stride.example")))
        #expect(try Mailbox(parsing: "\"Stride, Inc.\" <hello@stride.example>").name == "Stride, Inc.")
        #expect(try Mailbox(parsing: "<hello@stride.example>").name == nil)
        #expect(try Mailbox(parsing: " hello@stride.example ").name == nil)
        #expect(throws: EmailAddress.Problem.self) { try Mailbox(parsing: "Stride <hello@stride.example> x") }
    }

    @Test("unsubscribe URLs: https anywhere, http only on loopback, nothing that could break the header")
    func unsubscribeURLs() {
        #expect(MessageComposer.checkUnsubscribeURL("https://stride.example/u/1?t=a") == nil)
        #expect(MessageComposer.checkUnsubscribeURL("http://127.0.0.1:8080/u/1") == nil)
        #expect(MessageComposer.checkUnsubscribeURL("http://localhost/u/1") == nil)
        #expect(MessageComposer.checkUnsubscribeURL("http://[::1]:8080/u/1") == nil)
        #expect(MessageComposer.checkUnsubscribeURL("http://stride.example/u/1") != nil)
        #expect(MessageComposer.checkUnsubscribeURL("https://stride.example/u/1>, <https://evil.example") != nil)
        #expect(MessageComposer.checkUnsubscribeURL("https://stride.example/u 1") != nil)
        #expect(MessageComposer.checkUnsubscribeURL("/u/1") != nil)
    }

    // MARK: Verdicts

    @Test("the queue id is read from the usual accept replies")
    func queueIDs() {
        #expect(DeliveryVerdict.providerMessageId(in: "250 2.0.0 Ok: queued as 4Xz1Y2") == "4Xz1Y2")
        #expect(DeliveryVerdict.providerMessageId(in: "250 OK id=1rX2aB-0003Zk-1Q") == "1rX2aB-0003Zk-1Q")
        #expect(DeliveryVerdict.providerMessageId(in: "250 OK") == nil)
    }

    @Test("a 421 at the greeting is a retry; a 554 is permanent")
    func greetingReplies() {
        func judge(_ code: Int, _ line: String) -> DeliveryError? {
            let reply = SMTPReply(code: code, lines: [line])
            let outcome = TransferOutcome(curlCode: 8, curlMessage: "weird server reply", reply: reply, errorReply: reply, newConnections: 1)
            if case .failure(let error) = DeliveryVerdict.judge(outcome, endpoint: "smtp://mx:25", messageID: "<x@y>") { return error }
            return nil
        }
        #expect(judge(421, "421 4.3.2 Service shutting down")?.isRetryable == true)
        #expect(judge(554, "554 5.7.1 You are not welcome")?.disposition == .permanent)
    }

    // MARK: Decoders (independent of the encoders under test)

    /// A header field without its final CRLF (which Swift counts as one Character).
    static func unterminated(_ field: String) -> String {
        String(decoding: field.utf8.dropLast(2), as: UTF8.self)
    }

    static func decodeQuotedPrintable(_ encoded: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8 { byte <= 57 ? byte - 48 : byte - 55 }
        while index < encoded.count {
            let byte = encoded[index]
            if byte == UInt8(ascii: "=") {
                if index + 1 == encoded.count { break }
                if encoded[index + 1] == 13 {
                    index += 3
                    continue
                }
                output.append(hexValue(encoded[index + 1]) << 4 | hexValue(encoded[index + 2]))
                index += 3
            } else {
                output.append(byte)
                index += 1
            }
        }
        return output
    }

    static func decodeEncodedWords(_ value: String) -> String {
        let words = value.replacingOccurrences(of: "\r\n", with: "").split(separator: " ")
        var bytes: [UInt8] = []
        for word in words {
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            bytes += Data(base64Encoded: String(payload)) ?? Data()
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
