public import AerConfig
import AerJSON
import Mustache

/// The configured templates, compiled: what the dispatcher renders each action's message with.
///
/// A template `NAME` has a text part (`NAME.text.mustache`) and optionally an HTML part and a subject part.
/// Parts include other templates as partials: `{{> footer}}` in a text or subject part includes
/// `footer.text.mustache`, in an HTML part `footer.html.mustache`. Values are HTML-escaped in HTML parts
/// only; text and subject parts show them as they are.
///
/// Compiling checks more than Mustache syntax: unknown partials, partials that include themselves, and
/// variables outside the context tree (``RenderContext/templateTree``), which could never have a value.
public struct TemplateLibrary: Sendable {
    /// Text parts by template name; text and subject parts resolve partials here.
    private let texts: MustacheLibrary
    /// HTML parts by template name; HTML parts resolve partials here.
    private let htmls: MustacheLibrary
    /// Subject parts by template name.
    private let subjects: [String: MustacheTemplate]
    /// Names of the templates that have an HTML part.
    private let withHTML: Set<String>
    /// Every template name.
    public let names: Set<String>

    private init(texts: MustacheLibrary, htmls: MustacheLibrary, subjects: [String: MustacheTemplate], withHTML: Set<String>,
                 names: Set<String>) {
        self.texts = texts
        self.htmls = htmls
        self.subjects = subjects
        self.withHTML = withHTML
        self.names = names
    }

    /// Compiles every part of every template (text, HTML, subject), resolving partials among the templates.
    ///
    /// All problems are reported, not only the first: per part the first syntax error (as a Mustache parser
    /// stops there), then unknown partials, partial cycles and unknown variables across all parts.
    /// - Parameter templates: The templates from the configuration, by name.
    /// - Returns: The library, or every problem found, each at `FILE:LINE:COLUMN` with what to fix.
    public static func compile(_ templates: [String: TemplateSource]) -> Result<TemplateLibrary, TemplateErrors> {
        var diagnostics: [Diagnostic] = []
        var texts = MustacheLibrary()
        var htmls = MustacheLibrary()
        var subjects: [String: MustacheTemplate] = [:]
        var parts: [ScannedPart] = []
        for name in templates.keys.sorted() {
            guard let source = templates[name] else { continue }
            var found: [(PartKind, String, String)] = [(.text, source.text, source.textPath)]
            if let html = source.html { found.append((.html, html, source.htmlPath ?? source.textPath)) }
            if let subject = source.subject { found.append((.subject, subject, source.subjectPath ?? source.textPath)) }
            for (kind, text, path) in found {
                switch compilePart(text, kind: kind, path: path) {
                case .failed(let diagnostic):
                    diagnostics.append(diagnostic)
                case .compiled(let template, let tags):
                    switch kind {
                    case .text: texts.register(template, named: name)
                    case .html: htmls.register(template, named: name)
                    case .subject: subjects[name] = template
                    }
                    parts.append(ScannedPart(template: name, kind: kind, path: path, tags: tags))
                }
            }
        }
        let checks = PartChecks(parts: parts, templates: templates)
        diagnostics += checks.partials()
        diagnostics += checks.cycles()
        diagnostics += checks.variables()
        guard diagnostics.isEmpty else { return .failure(TemplateErrors(diagnostics: diagnostics)) }
        let withHTML = Set(templates.values.filter { $0.html != nil }.map(\.name))
        return .success(TemplateLibrary(texts: texts, htmls: htmls, subjects: subjects, withHTML: withHTML, names: Set(templates.keys)))
    }

    /// Whether a template of that name exists.
    /// - Parameter name: The template name, as actions write it.
    public func has(_ name: String) -> Bool { names.contains(name) }

    /// Renders one template for one action.
    ///
    /// The HTML part escapes values (`<` becomes `&lt;`, as Mustache does by default; `{{{…}}}` does not
    /// escape); the text and subject parts do not. A variable with no value renders as nothing. Line breaks at
    /// the end of the text and HTML parts (the final newline editors add) are dropped; the subject is one line,
    /// its line breaks turned into spaces and surrounding white space trimmed.
    /// - Parameters:
    ///   - name: The template name.
    ///   - context: The action's context.
    /// - Returns: The rendered parts.
    /// - Throws: `RenderError` when no template has that name.
    public func render(_ name: String, context: RenderContext) throws(RenderError) -> RenderedMessage {
        guard names.contains(name), let text = texts.getTemplate(named: name) else {
            throw RenderError.unknownTemplate(name, known: Array(names))
        }
        let tree = MustacheValue.make(.object(context.templateTree))
        let html = withHTML.contains(name) ? htmls.getTemplate(named: name)?.render(tree, library: htmls) : nil
        let subject = subjects[name]?.render(tree, library: texts)
        return RenderedMessage(
            subject: subject.map(Self.oneLine), text: Self.droppingFinalLineBreaks(text.render(tree, library: texts)),
            html: html.map(Self.droppingFinalLineBreaks))
    }

    // MARK: Compiling one part

    /// Text and subject parts start with this pragma so that Mustache does not HTML-escape their values. It
    /// is a line of its own, so positions in the file are one line further down than in what Mustache parses.
    static let textPragma = "{{% CONTENT_TYPE: TEXT}}\n"

    private static func compilePart(_ text: String, kind: PartKind, path: String)
        -> PartOutcome
    {
        let (tags, problem) = TemplateScanner.scan(text)
        if let problem {
            return .failed(Diagnostic(file: path, line: problem.line, column: problem.column, message: problem.message, hint: problem.hint))
        }
        let prefix = kind == .html ? "" : textPragma
        do {
            return .compiled(try MustacheTemplate(string: prefix + text), tags)
        } catch let error as MustacheTemplate.ParserError {
            // Mustache counts a CRLF as one character that does not end a line when it measures columns:
            // take the position from the same text with LF line ends.
            var context = error.context
            if text.contains("\r\n") {
                do {
                    _ = try MustacheTemplate(string: prefix + text.replacingCRLF())
                } catch let lfError as MustacheTemplate.ParserError {
                    context = lfError.context
                } catch {}
            }
            var line = max(1, context.lineNumber - (prefix.isEmpty ? 0 : 1))
            var column = context.line.prefix(max(0, context.columnNumber - 1)).unicodeScalars.count + 1
            // Mustache stops after the tag at fault: point at the tag's start, where people look.
            if let tag = tags.last(where: { ($0.line, $0.column) <= (line, column) }) {
                (line, column) = (tag.line, tag.column)
            }
            let (message, hint) = describe(error.error)
            return .failed(Diagnostic(file: path, line: line, column: column, message: message, hint: hint))
        } catch {
            return .failed(Diagnostic(file: path, line: 1, column: 1, message: "cannot compile the template: \(error)"))
        }
    }

    /// What a Mustache parse error means for someone editing the file.
    private static func describe(_ error: any Error) -> (String, String?) {
        guard let error = error as? MustacheTemplate.Error else { return ("invalid template: \(error)", nil) }
        switch error {
        case .sectionCloseNameIncorrect:
            return ("this close tag does not match the open section", "close the innermost open section first")
        case .unfinishedName:
            return ("invalid tag: expected a name and '}}'", "names are letters, digits, '_', '-' and '.', as in {{traits.first_name}}")
        case .expectedSectionEnd:
            return ("a section is never closed", "add {{/NAME}} for every {{#NAME}} and {{^NAME}}")
        case .invalidSetDelimiter:
            return ("invalid set-delimiter tag", "write the new delimiters separated by a space: {{=<% %>=}}")
        case .transformAppliedToInheritanceSection:
            return ("a block ({{$NAME}}) cannot have a transform", "remove the transform from the block's name")
        case .illegalTokenInsideInheritSection, .textInsideInheritSection:
            return ("only blocks ({{$NAME}}…{{/NAME}}) may appear inside a parent tag ({{<NAME}}…{{/NAME}})",
                    "move the rest into a block, or out of the parent tag")
        case .invalidConfigVariableSyntax:
            return ("invalid pragma", "write {{% CONTENT_TYPE: TEXT}} or {{% CONTENT_TYPE: HTML}}")
        case .unrecognisedConfigVariable:
            return ("unknown pragma or content type", "the only pragma is CONTENT_TYPE, with TEXT or HTML")
        }
    }

    // MARK: Rendering helpers

    static func droppingFinalLineBreaks(_ text: String) -> String {
        var text = Substring(text)
        while let last = text.last, last == "\n" || last == "\r\n" || last == "\r" { text.removeLast() }
        return String(text)
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharactersInWhitespace() }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// A part compiled, or why it could not be.
enum PartOutcome {
    case compiled(MustacheTemplate, [TemplateTag])
    case failed(Diagnostic)
}

/// The three parts a template can have.
enum PartKind: String, Sendable, Hashable {
    case text, html, subject

    /// The part name used in file names: `NAME.text.mustache`.
    var fileSuffix: String { ".\(rawValue).mustache" }

    /// Which parts' partials this part includes: text and subject parts include text parts.
    var partialKind: PartKind { self == .html ? .html : .text }
}

/// One compiled part and its tags.
struct ScannedPart: Sendable {
    var template: String
    var kind: PartKind
    var path: String
    var tags: [TemplateTag]
}

/// JSON values as swift-mustache renders them.
enum MustacheValue {
    /// Objects become dictionaries, arrays arrays, whole numbers `Int` (so `3` shows as `3`, not `3.0`),
    /// `null` a value that renders as nothing and counts as false in sections.
    static func make(_ value: JSONValue) -> Any {
        switch value {
        case .null:
            return MustacheNull()
        case .bool(let bool):
            return bool
        case .number(let number):
            if number == number.rounded(), abs(number) < 9.0e15 { return Int(number) }
            return number
        case .string(let string):
            return string
        case .array(let array):
            return array.map(make)
        case .object(let object):
            var dictionary: [String: Any] = [:]
            dictionary.reserveCapacity(object.count)
            for (key, member) in object { dictionary[key] = make(member) }
            return dictionary
        }
    }
}

/// JSON `null`: renders as nothing, false in sections.
struct MustacheNull: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}

extension StringProtocol {
    /// Without leading and trailing white space.
    func trimmingCharactersInWhitespace() -> String { String(self).trimmingWhitespace() }

    /// With every CRLF replaced by LF.
    func replacingCRLF() -> String {
        var result = ""
        for character in self { result += character == "\r\n" ? "\n" : String(character) }
        return result
    }
}
