/// How an SMS body travels over the air and how many segments it costs (3GPP TS 23.038 / 23.040).
///
/// A body that only uses the GSM 03.38 default alphabet is sent as GSM-7: 160 septets fit one message,
/// and a concatenated message carries 153 septets per segment (7 go to the header). Characters from the
/// extension table (`€ [ ] { } ^ ~ | \` and form feed) take two septets, and an escape pair is never split
/// between segments. Any other character switches the whole body to UCS-2: 70 UTF-16 code units fit one
/// message, 67 per segment when concatenated, and a surrogate pair is never split between segments.
public struct SMSText: Sendable, Hashable {
    /// The character set the body is sent in.
    public enum Encoding: String, Sendable, Hashable {
        /// The GSM 03.38 default alphabet with its extension table, 7 bits per character.
        case gsm7 = "GSM-7"
        /// UTF-16 (UCS-2 on the wire, with surrogate pairs for characters beyond the BMP).
        case ucs2 = "UCS-2"
    }

    /// The body's encoding.
    public let encoding: Encoding
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) the body occupies.
    public let units: Int
    /// Messages the body is split into; an empty body is one (empty) message.
    public let segments: Int
    /// The first character outside GSM-7 — the reason for UCS-2 — or nil for a GSM-7 body.
    public let firstNonGSMCharacter: Unicode.Scalar?

    /// Analyses a body exactly as it will be sent.
    /// - Parameter body: the text, already normalised by the caller if it wants NFC.
    public init(_ body: String) {
        let scalars = body.unicodeScalars
        if let nonGSM = scalars.first(where: { Self.septets($0) == nil }) {
            encoding = .ucs2
            firstNonGSMCharacter = nonGSM
            let costs = scalars.map { $0.utf16.count }
            (units, segments) = Self.pack(costs, single: 70, perSegment: 67)
        } else {
            encoding = .gsm7
            firstNonGSMCharacter = nil
            let costs = scalars.map { Self.septets($0)! }
            (units, segments) = Self.pack(costs, single: 160, perSegment: 153)
        }
    }

    /// Septets a character takes in GSM-7, or nil when it has no GSM-7 form.
    static func septets(_ scalar: Unicode.Scalar) -> Int? {
        if basic.contains(scalar) { return 1 }
        if extended.contains(scalar) { return 2 }
        return nil
    }

    /// Fills segments greedily without splitting a character's units between two segments.
    private static func pack(_ costs: [Int], single: Int, perSegment: Int) -> (units: Int, segments: Int) {
        let total = costs.reduce(0, +)
        if total <= single { return (total, 1) }
        var segments = 1
        var used = 0
        for cost in costs {
            if used + cost > perSegment {
                segments += 1
                used = 0
            }
            used += cost
        }
        return (total, segments)
    }

    /// The default alphabet (GSM 03.38), 127 characters: every code point but 0x1B, the escape to the extension table.
    static let basic: Set<Unicode.Scalar> = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)

    /// The extension table: each is sent as the escape septet followed by its own.
    static let extended: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)
}
