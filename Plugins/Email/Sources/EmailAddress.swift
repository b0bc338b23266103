/// A validated envelope address (`local@domain`), the form SMTP's `MAIL FROM` and `RCPT TO` carry.
///
/// The check is pragmatic rather than the full RFC 5321 grammar: a dot-atom local part (no quoted local
/// parts, no comments), a hostname domain with a dot (or `localhost`), ASCII only. Anything it rejects is
/// far more likely a typo or an injection attempt than a deliverable address.
struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address as written, e.g. `ada@example.com`.
    let value: String
    /// The part after the `@`.
    let domain: String

    /// Validates `text`.
    /// - Throws: `Problem`, saying what is wrong in words an operator can act on.
    init(_ text: String) throws(Problem) {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { throw Problem("it is empty") }
        if let bad = bytes.first(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw Problem(bad == 0x20 ? "it contains a space" : "it contains a control character")
        }
        if bytes.contains(where: { $0 >= 0x80 }) {
            throw Problem("it contains non-ASCII characters (internationalized addresses are not supported)")
        }
        if bytes.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }) {
            throw Problem("it contains an angle bracket; give the bare address, e.g. ada@example.com")
        }
        if bytes.count > 254 { throw Problem("it is \(bytes.count) characters long; the limit is 254") }
        let ats = bytes.indices.filter { bytes[$0] == UInt8(ascii: "@") }
        guard ats.count == 1, let at = ats.first else {
            throw Problem(ats.isEmpty ? "it has no '@'" : "it has more than one '@'")
        }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        if local.isEmpty { throw Problem("the part before '@' is empty") }
        if local.count > 64 { throw Problem("the part before '@' is \(local.count) characters long; the limit is 64") }
        if let bad = local.first(where: { !Self.isAtext($0) && $0 != UInt8(ascii: ".") }) {
            throw Problem("the part before '@' contains '\(Character(Unicode.Scalar(bad)))'")
        }
        if local.first == UInt8(ascii: ".") || local.last == UInt8(ascii: ".") || Self.hasDoubleDot(local) {
            throw Problem("the part before '@' has a misplaced '.'")
        }
        if domain.isEmpty { throw Problem("the domain after '@' is empty") }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.contains(where: \.isEmpty) { throw Problem("the domain has an empty label (a misplaced '.')") }
        for label in labels {
            if let bad = label.first(where: { !Self.isLetterOrDigit($0) && $0 != UInt8(ascii: "-") }) {
                throw Problem("the domain contains '\(Character(Unicode.Scalar(bad)))'")
            }
            if label.count > 63 { throw Problem("a domain label is longer than 63 characters") }
            if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
                throw Problem("a domain label starts or ends with '-'")
            }
        }
        let domainText = String(decoding: domain, as: UTF8.self)
        if labels.count < 2 && domainText.lowercased() != "localhost" {
            throw Problem("the domain '\(domainText)' has no dot")
        }
        self.value = text
        self.domain = domainText
    }

    var description: String { value }

    /// Why an address is invalid.
    struct Problem: Error, Sendable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// RFC 5322 `atext`: the characters of an atom.
    static func isAtext(_ byte: UInt8) -> Bool {
        if isLetterOrDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
            UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
            UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func hasDoubleDot(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }
}

/// An address with an optional display name, as in `From: Stride Sneakers <hello@stride.example>`.
struct Mailbox: Sendable, Hashable {
    /// The display name, unquoted; nil when there is none.
    let name: String?
    let address: EmailAddress

    init(name: String?, address: EmailAddress) {
        let trimmed = name?.trimmingSpaces()
        self.name = trimmed?.isEmpty == false ? trimmed : nil
        self.address = address
    }

    /// Parses `Name <local@domain>`, `"Name, Inc." <local@domain>`, `<local@domain>` or `local@domain`.
    /// - Throws: `EmailAddress.Problem` when the text is not one of those forms or the address is invalid.
    init(parsing text: String) throws(EmailAddress.Problem) {
        let trimmed = text.trimmingSpaces()
        guard let open = trimmed.lastIndex(of: "<") else {
            self.init(name: nil, address: try EmailAddress(trimmed))
            return
        }
        guard trimmed.last == ">" else {
            throw EmailAddress.Problem("expected 'Name <local@domain>': nothing may follow the '>'")
        }
        let inner = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        var name = String(trimmed[..<open]).trimmingSpaces()
        if name.count >= 2, name.first == "\"", name.last == "\"" {
            var unquoted = ""
            var escaped = false
            for character in name.dropFirst().dropLast() {
                if !escaped && character == "\\" {
                    escaped = true
                    continue
                }
                escaped = false
                unquoted.append(character)
            }
            name = unquoted
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw EmailAddress.Problem("the display name contains a control character")
        }
        self.init(name: name, address: try EmailAddress(inner))
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
