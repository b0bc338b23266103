import AerPluginAPI
import Foundation

/// Turns an `OutboundMessage` into an RFC 5322 message with MIME bodies, ready for SMTP `DATA`.
///
/// Lines end in CRLF; header lines are folded to 78 characters and body lines encoded to 76. There is
/// never a `Bcc` header: the only recipient is the envelope's.
struct MessageComposer: Sendable {
    /// The `From:` mailbox; its domain also names the Message-ID.
    let from: Mailbox
    /// The `Reply-To:` mailbox, when configured.
    let replyTo: Mailbox?
    /// A `mailto:` URI added to `List-Unsubscribe`, when configured.
    let unsubscribeMailto: String?

    /// A composed message.
    struct Composed: Sendable {
        /// The message bytes, header and body.
        let bytes: [UInt8]
        /// The `Message-ID` value, with its angle brackets.
        let messageID: String
        /// Why a header the message asked for was left out (an unusable unsubscribe URL), for the log.
        let omissions: [String]
    }

    /// - Parameters:
    ///   - message: the rendered message.
    ///   - recipient: the validated recipient address (the message's `recipient.email`).
    ///   - date: the `Date:` header's instant.
    func compose(_ message: OutboundMessage, to recipient: EmailAddress, at date: Date) -> Composed {
        var omissions: [String] = []
        let messageID = Self.messageID(key: message.idempotencyKey, domain: from.address.domain)
        var header = ""
        header += MIMEEncoding.field("From", Self.mailboxWords(from))
        header += MIMEEncoding.field("To", Self.mailboxWords(Mailbox(name: message.recipient.name, address: recipient)))
        if let replyTo {
            header += MIMEEncoding.field("Reply-To", Self.mailboxWords(replyTo))
        }
        if let subject = message.subject, !subject.trimmingSpaces().isEmpty {
            header += MIMEEncoding.field("Subject", MIMEEncoding.unstructuredWords(subject))
        }
        header += MIMEEncoding.field("Date", [MIMEEncoding.date(date)])
        header += MIMEEncoding.field("Message-ID", [messageID])
        header += MIMEEncoding.field("MIME-Version", ["1.0"])

        var unsubscribe: [String] = []
        var oneClick = false
        if let url = message.unsubscribeURL {
            switch Self.checkUnsubscribeURL(url) {
            case nil:
                unsubscribe.append("<\(url)>")
                oneClick = true
            case let problem?:
                omissions.append("List-Unsubscribe URL left out: \(problem)")
            }
        }
        if let unsubscribeMailto { unsubscribe.append("<\(unsubscribeMailto)>") }
        if !unsubscribe.isEmpty {
            let words = unsubscribe.enumerated().map { $0.offset < unsubscribe.count - 1 ? $0.element + "," : $0.element }
            header += MIMEEncoding.field("List-Unsubscribe", words)
        }
        if oneClick {
            header += MIMEEncoding.field("List-Unsubscribe-Post", ["List-Unsubscribe=One-Click"])
        }

        var bytes = Array(header.utf8)
        if let html = message.html {
            let boundary = "=_aerd_" + MIMEEncoding.hex(MIMEEncoding.fnv1a(message.idempotencyKey.utf8))
            bytes += MIMEEncoding.field("Content-Type", ["multipart/alternative;", "boundary=\"\(boundary)\""]).utf8
            bytes += MIMEEncoding.crlf
            for (subtype, content) in [("plain", message.text), ("html", html)] {
                bytes += "--\(boundary)\r\n".utf8
                bytes += Self.textPart(subtype: subtype, content)
                bytes += MIMEEncoding.crlf
            }
            bytes += "--\(boundary)--\r\n".utf8
        } else {
            bytes += Self.textPart(subtype: "plain", message.text, endsMessage: true)
            bytes += MIMEEncoding.crlf
        }
        return Composed(bytes: bytes, messageID: messageID, omissions: omissions)
    }

    /// The part's header, a blank line, and the encoded content (without a final CRLF: that one belongs to
    /// the next boundary, RFC 2046 §5.1.1).
    private static func textPart(subtype: String, _ content: String, endsMessage: Bool = false) -> [UInt8] {
        let (encoding, body) = MIMEEncoding.encodeText(content, exactEnd: endsMessage)
        var part = Array(MIMEEncoding.field("Content-Type", ["text/\(subtype);", "charset=utf-8"]).utf8)
        part += MIMEEncoding.field("Content-Transfer-Encoding", [encoding]).utf8
        part += MIMEEncoding.crlf
        part += body
        return part
    }

    static func mailboxWords(_ mailbox: Mailbox) -> [String] {
        guard let name = mailbox.name else { return [mailbox.address.value] }
        return MIMEEncoding.phraseWords(name) + ["<\(mailbox.address.value)>"]
    }

    /// `<id@domain>` with the idempotency key as the id, so every retry of a message carries the same
    /// Message-ID. Bytes outside RFC 5322 `atext` (and `%` itself) are written `%XX`, which keeps the
    /// mapping one-to-one; a key too long for a comfortable header is shortened with a hash of the whole.
    static func messageID(key: String, domain: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var left: [UInt8] = []
        for byte in key.utf8 {
            if EmailAddress.isAtext(byte) && byte != UInt8(ascii: "%") {
                left.append(byte)
            } else {
                left += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        var id = String(decoding: left, as: UTF8.self)
        if id.isEmpty || id.utf8.count > 200 {
            let digest = MIMEEncoding.hex(MIMEEncoding.fnv1a(key.utf8))
                + MIMEEncoding.hex(MIMEEncoding.fnv1a(key.utf8, seed: 0x6c62_272e_07bb_0142))
            id = id.isEmpty ? digest : String(decoding: left.prefix(160), as: UTF8.self) + "." + digest
        }
        return "<\(id)@\(domain)>"
    }

    /// Why an unsubscribe URL cannot go in `List-Unsubscribe`; nil when it can. RFC 8058 one-click requires
    /// https; plain http is accepted only on a loopback host, which only a test uses.
    static func checkUnsubscribeURL(_ url: String) -> String? {
        if url.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") }) {
            return "it contains a space, a control character, a quote, an angle bracket or a non-ASCII character"
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return "it is not an absolute URL"
        }
        if scheme == "https" { return nil }
        if scheme == "http" && isLoopback(host) { return nil }
        return "one-click unsubscribe (RFC 8058) needs an https URL, not \(scheme)://\(host)"
    }

    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
