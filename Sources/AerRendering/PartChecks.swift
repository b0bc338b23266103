import AerConfig

/// Checks across compiled parts: partials that do not exist or include themselves, and variables that can
/// never have a value.
struct PartChecks {
    let parts: [ScannedPart]
    let templates: [String: TemplateSource]

    /// Transforms swift-mustache knows (`{{uppercased(traits.first_name)}}`); any other name renders nothing.
    static let transforms: Set<String> = [
        "capitalized", "lowercased", "uppercased", "reversed", "empty", "count", "first", "last", "sorted", "enumerated",
        "equalzero", "plusone", "minusone", "even", "odd", "index",
    ]

    /// Whether template `name` has a part of `kind`.
    func has(_ name: String, _ kind: PartKind) -> Bool {
        guard let source = templates[name] else { return false }
        switch kind {
        case .text: return true
        case .html: return source.html != nil
        case .subject: return source.subject != nil
        }
    }

    /// The file a partial of a part resolves to, next to the including file: `config/templates/footer.text.mustache`.
    func partialPath(_ name: String, kind: PartKind, from path: String) -> String {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let file = name + kind.partialKind.fileSuffix
        return directory.isEmpty ? file : directory + "/" + file
    }

    func diagnostic(_ part: ScannedPart, _ tag: TemplateTag, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(file: part.path, line: tag.line, column: tag.column, message: message, hint: hint)
    }

    // MARK: Partials

    /// Partials that name no template, or a template without the part needed; dynamic partials.
    func partials() -> [Diagnostic] {
        var result: [Diagnostic] = []
        for part in parts {
            for tag in part.tags where tag.kind == .partial || tag.kind == .parent {
                if tag.name.hasPrefix("*") {
                    result.append(diagnostic(part, tag, "dynamic partials ('\(tag.source)') are not supported",
                                             hint: "name the partial: {{> footer}} includes the template 'footer'"))
                    continue
                }
                let kind = part.kind.partialKind
                guard !has(tag.name, kind) else { continue }
                let expected = partialPath(tag.name, kind: part.kind, from: part.path)
                if templates[tag.name] != nil {
                    result.append(diagnostic(part, tag, "partial '\(tag.name)' has no \(kind == .html ? "HTML" : "text") part",
                                             hint: "add \(expected); \(part.kind == .html ? "an HTML part includes HTML parts" : "text and subject parts include text parts")"))
                } else {
                    let suggestion = Suggest.closest(to: tag.name, among: templates.keys.filter { has($0, kind) })
                    result.append(diagnostic(part, tag, "unknown partial '\(tag.name)': there is no \(expected)",
                                             hint: suggestion.map { "did you mean '\($0)'?" } ?? "create \(expected), or fix the name"))
                }
            }
        }
        return result
    }

    /// Outgoing partial references of the parts that can be included: text parts and HTML parts.
    private func edges(_ kind: PartKind) -> [String: [(target: String, tag: TemplateTag, part: ScannedPart)]] {
        var edges: [String: [(target: String, tag: TemplateTag, part: ScannedPart)]] = [:]
        for part in parts where part.kind == kind {
            for tag in part.tags where (tag.kind == .partial || tag.kind == .parent) && !tag.name.hasPrefix("*") && has(tag.name, kind) {
                edges[part.template, default: []].append((tag.name, tag, part))
            }
        }
        return edges
    }

    // MARK: Cycles

    /// Partials that include themselves, directly or through others: rendering would never end.
    func cycles() -> [Diagnostic] {
        var result: [Diagnostic] = []
        for kind in [PartKind.text, .html] {
            let edges = edges(kind)
            var done: Set<String> = []
            var stack: [String] = []
            func visit(_ name: String) {
                stack.append(name)
                for edge in edges[name] ?? [] {
                    if let start = stack.firstIndex(of: edge.target) {
                        let loop = (stack[start...] + [edge.target]).joined(separator: " → ")
                        result.append(diagnostic(edge.part, edge.tag, "partial '\(edge.target)' includes itself: \(loop)",
                                                 hint: "Mustache would include it forever; remove \(edge.tag.source) or break the cycle"))
                    } else if !done.contains(edge.target) {
                        visit(edge.target)
                    }
                }
                stack.removeLast()
                done.insert(name)
            }
            for name in edges.keys.sorted() where !done.contains(name) { visit(name) }
        }
        return result
    }

    // MARK: Variables

    /// Templates rendered, as partials, inside a section somewhere: names in them may be relative to the
    /// section's value, so they are not checked against the root.
    private func nestedPartials(_ kind: PartKind) -> Set<String> {
        var nested: Set<String> = []
        var pending: [String] = []
        for part in parts where part.kind.partialKind == kind {
            for tag in part.tags where (tag.kind == .partial || tag.kind == .parent) && tag.depth > 0 {
                pending.append(tag.name)
            }
        }
        let edges = edges(kind)
        while let name = pending.popLast() {
            guard nested.insert(name).inserted else { continue }
            pending += (edges[name] ?? []).map(\.target)
        }
        return nested
    }

    /// Variables and sections, outside any section, whose name can never have a value; unknown transforms anywhere.
    func variables() -> [Diagnostic] {
        var result: [Diagnostic] = []
        let nested: [PartKind: Set<String>] = [.text: nestedPartials(.text), .html: nestedPartials(.html)]
        let allPaths = ContextSchema.root.paths()
        for part in parts {
            let checkRoot = part.kind == .subject || !(nested[part.kind]?.contains(part.template) ?? false)
            for tag in part.tags where [.variable, .unescaped, .section, .invertedSection].contains(tag.kind) {
                let (transforms, variable) = Self.splitTransforms(tag.name)
                if let unknown = transforms.first(where: { !Self.transforms.contains($0) }) {
                    let suggestion = Suggest.closest(to: unknown, among: Array(Self.transforms))
                    result.append(diagnostic(part, tag, "unknown transform '\(unknown)' in '\(tag.source)'",
                                             hint: suggestion.map { "did you mean '\($0)'?" }
                                                ?? "transforms are \(Self.transforms.sorted().joined(separator: ", "))"))
                    continue
                }
                guard checkRoot, tag.depth == 0, variable != "." else { continue }
                let path = (variable.hasPrefix(".") ? String(variable.dropFirst()) : variable)
                    .split(separator: ".", omittingEmptySubsequences: false)
                let (valid, prefix, expected) = ContextSchema.root.check(path)
                guard !valid else { continue }
                let written = path.joined(separator: ".")
                let message: String
                var hint: String?
                if prefix.isEmpty {
                    message = "unknown variable '\(written)': templates have no '\(path[0])'"
                } else if expected.isEmpty {
                    message = "unknown variable '\(written)': '\(prefix.joined(separator: "."))' has no members"
                } else {
                    message = "unknown variable '\(written)': '\(prefix.joined(separator: "."))' has no member '\(path[prefix.count])'"
                    hint = "its members are " + expected.joined(separator: ", ")
                }
                if let suggestion = Suggest.closest(to: written, among: allPaths) {
                    hint = "did you mean '\(suggestion)'?"
                } else if prefix.isEmpty {
                    hint = "a profile trait is traits.\(written), an action parameter params.\(written)"
                } else if hint == nil {
                    hint = "the variables are traits.*, customer.*, migration.*, segment.*, strategy.*, event.*, params.*, "
                        + "unsubscribe_url and the predictions (docs/config.md, Templates)"
                }
                result.append(diagnostic(part, tag, message, hint: hint))
            }
        }
        return result
    }

    /// `uppercased(traits.first_name)` → (["uppercased"], "traits.first_name"), outermost transform first.
    static func splitTransforms(_ name: String) -> (transforms: [String], variable: String) {
        let pieces = name.split(separator: "(", omittingEmptySubsequences: false).map(String.init)
        guard pieces.count > 1 else { return ([], name) }
        var variable = pieces[pieces.count - 1]
        while variable.hasSuffix(")") { variable.removeLast() }
        return (Array(pieces.dropLast()), variable)
    }
}

/// "Did you mean" suggestions.
enum Suggest {
    /// The candidate closest to `word` by edit distance, when it is close enough to be a likely typo.
    static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(1, min(3, word.count / 3))
        var best: (String, Int)?
        for candidate in candidates.sorted() where candidate != word {
            let distance = editDistance(word, candidate)
            if distance <= limit, distance < best?.1 ?? Int.max { best = (candidate, distance) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
