/// The parts of one rendered template, ready for a channel.
public struct RenderedMessage: Sendable, Hashable {
    /// The subject line (email), when the template has a subject part: one line, trimmed.
    public var subject: String?
    /// The plain-text body: the SMS text, the email's text part, the webhook's message text.
    public var text: String
    /// The HTML body (email), when the template has an HTML part; values in it are HTML-escaped.
    public var html: String?

    /// A rendered message.
    /// - Parameters:
    ///   - subject: The subject line.
    ///   - text: The plain-text body.
    ///   - html: The HTML body.
    public init(subject: String? = nil, text: String, html: String? = nil) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}
