/// A tag in a template's source, where it starts, and how deep in sections it sits.
struct TemplateTag: Sendable, Hashable {
    /// What the tag does.
    enum Kind: Sendable, Hashable {
        case variable, unescaped, section, invertedSection, close, partial, parent, block, comment, delimiters, pragma
    }

    var kind: Kind
    /// The tag's content without delimiters and sigil, trimmed: `traits.first_name`, `footer`.
    var name: String
    /// The tag as written, for messages: `{{> footer}}`.
    var source: String
    /// 1-based line of the opening delimiter.
    var line: Int
    /// 1-based column of the opening delimiter, in Unicode scalars.
    var column: Int
    /// The number of enclosing `{{#…}}` sections. At 0 names are looked up in the context's root; deeper, the
    /// section's value comes first, so a name there may be relative to it.
    var depth: Int
}

/// A structural problem in a template: the first one found, as a Mustache parser stops at the first too.
struct ScanProblem: Sendable, Hashable {
    var line: Int
    var column: Int
    var message: String
    var hint: String?
}

/// Finds the tags of a Mustache template with their positions, following delimiter changes, and the
/// structural mistakes people make (an unclosed tag or section, a close tag for the wrong section, a name
/// with a space in it), each at the tag at fault.
///
/// swift-mustache parses the template for rendering; its errors carry a position too, but for an unclosed
/// section that is the end of the file. This scan points at the section's opening tag instead, and its tag
/// list is what compile-time checks (partials, variable names) work on.
enum TemplateScanner {
    /// The tags of `text` and the first structural problem, if any (after which the tag list stops).
    static func scan(_ text: String) -> (tags: [TemplateTag], problem: ScanProblem?) {
        var scanner = Scan(text)
        let problem = scanner.run()
        return (scanner.tags, problem)
    }

    /// Characters of variable and section names, as swift-mustache accepts them (parentheses for transforms).
    static let nameCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*".unicodeScalars)
    /// Characters of partial names (which may name a subdirectory).
    static let partialNameCharacters = nameCharacters.union(["/"])

    private struct Scan {
        let scalars: [Unicode.Scalar]
        /// Index of the first scalar of each line.
        let lineStarts: [Int]
        var open: [Unicode.Scalar] = Array("{{".unicodeScalars)
        var close: [Unicode.Scalar] = Array("}}".unicodeScalars)
        var tags: [TemplateTag] = []
        /// Open sections, innermost last.
        var sections: [TemplateTag] = []

        init(_ text: String) {
            scalars = Array(text.unicodeScalars)
            var starts = [0]
            for (index, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(index + 1) }
            lineStarts = starts
        }

        func position(_ index: Int) -> (line: Int, column: Int) {
            // The last line start at or before index.
            var low = 0, high = lineStarts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if lineStarts[middle] <= index { low = middle } else { high = middle - 1 }
            }
            return (low + 1, index - lineStarts[low] + 1)
        }

        func find(_ needle: [Unicode.Scalar], from start: Int) -> Int? {
            guard !needle.isEmpty, start <= scalars.count - needle.count else { return nil }
            var index = start
            while index <= scalars.count - needle.count {
                if scalars[index] == needle[0], Array(scalars[index..<index + needle.count]) == needle { return index }
                index += 1
            }
            return nil
        }

        func string(_ range: Range<Int>) -> String {
            var result = String.UnicodeScalarView()
            result.append(contentsOf: scalars[range])
            return String(result)
        }

        var openText: String { String(String.UnicodeScalarView(open)) }
        var closeText: String { String(String.UnicodeScalarView(close)) }

        func problem(at index: Int, _ message: String, hint: String? = nil) -> ScanProblem {
            let (line, column) = position(index)
            return ScanProblem(line: line, column: column, message: message, hint: hint)
        }

        mutating func run() -> ScanProblem? {
            var cursor = 0
            while let start = find(open, from: cursor) {
                let afterOpen = start + open.count
                let sigil: Unicode.Scalar? = afterOpen < scalars.count ? scalars[afterOpen] : nil
                let kind: TemplateTag.Kind
                switch sigil {
                case "#": kind = .section
                case "^": kind = .invertedSection
                case "/": kind = .close
                case ">": kind = .partial
                case "<": kind = .parent
                case "$": kind = .block
                case "!": kind = .comment
                case "=": kind = .delimiters
                case "%": kind = .pragma
                case "{", "&": kind = .unescaped
                default: kind = .variable
                }
                let contentStart = kind == .variable ? afterOpen : afterOpen + 1
                let closing = kind == .delimiters ? ["="] + close : close
                guard let end = find(closing, from: contentStart) else {
                    let written = string(start..<min(scalars.count, start + 20)).split(separator: "\n").first.map(String.init) ?? openText
                    return problem(at: start, "tag '\(written)' is never closed with '\(kind == .delimiters ? "=" : "")\(closeText)'",
                                   hint: "close it on the same line, or to write '\(openText)' as text change the delimiters first, e.g. {{=<% %>=}}")
                }
                var tagEnd = end + closing.count
                var content = string(contentStart..<end)
                if sigil == "{" {
                    // `{{{name}}}`: the third brace closes after the delimiter.
                    if content.hasSuffix("}") {
                        content.removeLast()
                    } else if tagEnd < scalars.count, scalars[tagEnd] == "}" {
                        tagEnd += 1
                    }
                }
                let name = content.trimmingWhitespace()
                let (line, column) = position(start)
                let depth = sections.filter { $0.kind == .section }.count
                let tag = TemplateTag(kind: kind, name: name, source: string(start..<tagEnd), line: line, column: column, depth: depth)
                if let problem = check(tag, at: start) { return problem }
                tags.append(tag)
                switch kind {
                case .section, .invertedSection, .parent, .block:
                    sections.append(tag)
                case .close:
                    guard let innermost = sections.last else {
                        return problem(at: start, "'\(tag.source)' closes section '\(name)', which is not open",
                                       hint: "remove it, or open the section before with \(openText)#\(name)\(closeText)")
                    }
                    guard innermost.name == name else {
                        return problem(at: start,
                            "'\(tag.source)' closes section '\(name)', but the open section is '\(innermost.name)' (opened at \(innermost.line):\(innermost.column))",
                            hint: "close '\(innermost.name)' first with \(openText)/\(innermost.name)\(closeText)")
                    }
                    sections.removeLast()
                case .delimiters:
                    let parts = content.split(whereSeparator: { $0.isWhitespace })
                    guard parts.count == 2 else {
                        return problem(at: start, "'\(tag.source)' must set exactly two delimiters",
                                       hint: "write the new opening and closing delimiters separated by a space: {{=<% %>=}}")
                    }
                    open = Array(parts[0].unicodeScalars)
                    close = Array(parts[1].unicodeScalars)
                default:
                    break
                }
                cursor = tagEnd
            }
            if let innermost = sections.last {
                return ScanProblem(line: innermost.line, column: innermost.column,
                                   message: "section '\(innermost.name)' opened here is never closed",
                                   hint: "add {{/\(innermost.name)}} where the section ends")
            }
            return nil
        }

        func check(_ tag: TemplateTag, at start: Int) -> ScanProblem? {
            let allowed: Set<Unicode.Scalar>
            switch tag.kind {
            case .comment, .delimiters, .pragma:
                return nil
            case .partial, .parent:
                allowed = TemplateScanner.partialNameCharacters
            default:
                allowed = TemplateScanner.nameCharacters
            }
            let name = tag.kind == .partial && tag.name.hasPrefix("*") ? String(tag.name.dropFirst()).trimmingWhitespace() : tag.name
            if name.isEmpty {
                return problem(at: start, "'\(tag.source)' has no name",
                               hint: tag.kind == .variable ? "write a variable such as {{traits.first_name}}" : "name what the tag refers to")
            }
            if let bad = name.unicodeScalars.first(where: { !allowed.contains($0) }) {
                let what = bad.properties.isWhitespace ? "a space" : "'\(bad)'"
                return problem(at: start, "'\(tag.source)' is not a valid tag: a name cannot contain \(what)",
                               hint: "names are letters, digits, '_', '-' and '.' between parts, as in {{traits.first_name}}")
            }
            return nil
        }
    }
}

extension String {
    /// The string without leading and trailing whitespace and line breaks.
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
