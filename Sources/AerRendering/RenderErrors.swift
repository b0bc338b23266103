public import AerConfig

/// Every problem found while compiling templates, each at its file, line and column.
///
/// The diagnostics are the same type the configuration loader reports, so `aerd validate` can print both
/// lists as one.
public struct TemplateErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, sorted by file, line and column; each prints as `FILE:LINE:COLUMN: error: MESSAGE; HINT`.
    public var diagnostics: [Diagnostic]

    /// Wraps `diagnostics`, sorted by file, line, column and message.
    /// - Parameter diagnostics: The problems found.
    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = ConfigErrors(diagnostics: diagnostics).diagnostics
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A template could not be rendered.
public struct RenderError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case unknownTemplate
    }

    private let code: Code
    /// The template asked for.
    public let template: String
    /// What went wrong and what to do about it.
    public let message: String

    private init(_ code: Code, template: String, message: String) {
        self.code = code
        self.template = template
        self.message = message
    }

    /// No template of that name was compiled: the action names a template the loaded configuration lacks.
    /// - Parameters:
    ///   - name: The template asked for.
    ///   - known: The names that exist.
    static func unknownTemplate(_ name: String, known: [String]) -> RenderError {
        let list = known.isEmpty ? "there are no templates" : "the templates are " + known.sorted().joined(separator: ", ")
        return RenderError(.unknownTemplate, template: name,
                           message: "no template named '\(name)' (\(list)); add templates/\(name).text.mustache and reload")
    }

    /// Whether the template asked for does not exist.
    public var isUnknownTemplate: Bool { code == .unknownTemplate }

    /// The message.
    public var description: String { message }
}
