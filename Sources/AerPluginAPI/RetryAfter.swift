public import Foundation

/// The HTTP `Retry-After` header (RFC 9110 §10.2.3), for plugins that talk HTTP.
public enum RetryAfter {
    /// How long the server asked to wait.
    /// - Parameters:
    ///   - value: the header's value: delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`,
    ///     also the obsolete RFC 850 and asctime forms).
    ///   - now: the current time, against which a date is measured.
    /// - Returns: the delay (zero for a date in the past), or nil when the value is neither form.
    public static func delay(_ value: String, now: Date) -> Duration? {
        let value = value.trimmingCharacters(in: .whitespaces)
        if !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // An absurdly long number is still a valid "wait a very long time".
            return .seconds(Int64(value) ?? Int64(Int32.max))
        }
        guard let date = httpDate(value) else { return nil }
        let seconds = date.timeIntervalSince(now)
        return seconds > 0 ? .seconds(seconds.rounded(.up)) : .zero
    }

    /// Parses the three date formats RFC 9110 §5.6.7 requires recipients to accept.
    static func httpDate(_ value: String) -> Date? {
        for format in formats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return date }
        }
        return nil
    }

    private static let formats = [
        "EEE, dd MMM yyyy HH:mm:ss zzz",  // IMF-fixdate
        "EEEE, dd-MMM-yy HH:mm:ss zzz",   // RFC 850
        "EEE MMM d HH:mm:ss yyyy",        // asctime
    ]
}
