import AerCore
import AerJSON
import Foundation
import Yams

/// Walks composed YAML into typed values, collecting a diagnostic for every problem instead of stopping at
/// the first. Each accessor returns nil after reporting, so callers carry on with the rest of the file.
///
/// Optional keys are read as `fields["key"].map { read($0) }`, a `T??`: nil when the key is absent (take the
/// default), `.some(nil)` when it is present but was rejected (already reported), so `x != .some(nil)` guards.
struct ConfigReader {
    var diagnostics: [Diagnostic] = []
    let environment: [String: String]
    let credentialsDirectory: String?

    init(environment: [String: String], credentialsDirectory: String?) {
        self.environment = environment
        self.credentialsDirectory = credentialsDirectory
    }

    mutating func error(_ location: SourceLocation, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(at: location, message: message, hint: hint))
    }

    mutating func expected(_ what: String, _ node: YAMLNode, hint: String? = nil) {
        error(node.location, "expected \(what), got \(node.typeName)", hint: hint)
    }

    // MARK: Structure

    /// The entries of a mapping; `what` names the expected thing in the type error ("a strategy").
    mutating func mapping(_ node: YAMLNode, _ what: String = "a mapping") -> Fields? {
        guard case .mapping(let pairs) = node.content else {
            expected(what, node)
            return nil
        }
        var entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        for (key, value) in pairs {
            guard let name = key.scalarText, case .scalar = key.node else {
                error(key.location, "expected a key name, got \(key.typeName)")
                continue
            }
            entries.append((name, key, value))
        }
        return Fields(node: node, entries: entries)
    }

    /// A mapping whose keys must all be in `allowed`; reports the others.
    mutating func mapping(_ node: YAMLNode, _ what: String, allowed: [String], in context: String) -> Fields? {
        guard let fields = mapping(node, what) else { return nil }
        checkKeys(fields, allowed: allowed, in: context)
        return fields
    }

    mutating func checkKeys(_ fields: Fields, allowed: [String], in context: String) {
        for entry in fields.entries where !allowed.contains(entry.key) {
            error(entry.keyNode.location, "unknown key '\(entry.key)' in \(context)",
                  hint: Spelling.suggestion(for: entry.key, among: allowed, listing: "allowed keys"))
        }
    }

    /// The value of a required key; reports a missing key at the mapping and an empty value at the key.
    mutating func required(_ fields: Fields, _ key: String, hint: String? = nil) -> YAMLNode? {
        if let value = fields[key] { return value }
        // A misspelt key is already reported as unknown, with the right name as its hint.
        if !fields.has(key), fields.entries.contains(where: { Spelling.nearest(to: $0.key, among: [key]) != nil }) { return nil }
        if let keyNode = fields.keyNode(key) {
            error(keyNode.location, "missing value for '\(key)'", hint: hint)
        } else {
            error(fields.node.location, "missing required key '\(key)'", hint: hint)
        }
        return nil
    }

    /// The elements of a list; `what` is the plural element name ("conditions").
    mutating func list(_ node: YAMLNode, of what: String) -> [YAMLNode]? {
        guard case .list(let elements) = node.content else {
            expected("a list of \(what)", node)
            return nil
        }
        return elements
    }

    // MARK: Scalars

    /// A scalar as text (numbers and booleans as written), with `${env:…}` / `${file:…}` resolved.
    mutating func string(_ node: YAMLNode, _ what: String = "a string") -> String? {
        switch node.content {
        case .list, .mapping, .null:
            expected(what, node)
            return nil
        case .bool, .number, .string:
            return resolveSecret(node.scalarText ?? "", at: node)
        }
    }

    /// A string that is not empty after trimming.
    mutating func nonEmptyString(_ node: YAMLNode, _ what: String = "a string") -> String? {
        guard let text = string(node, what) else { return nil }
        guard !text.trimmingWhitespace().isEmpty else {
            error(node.location, "'\(node.key)' must not be empty")
            return nil
        }
        return text
    }

    static let identifierHint = "ids are lowercase letters, digits and underscores, starting with a letter"

    /// An id: `[a-z][a-z0-9_]*`.
    mutating func identifier(_ node: YAMLNode) -> String? {
        guard let text = string(node, "an id") else { return nil }
        guard Self.isIdentifier(text) else {
            error(node.location, "'\(text)' is not a valid id", hint: Self.identifierHint)
            return nil
        }
        return text
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    mutating func bool(_ node: YAMLNode) -> Bool? {
        if case .bool(let value) = node.content { return value }
        let text = node.scalarText ?? ""
        let yaml11 = ["yes", "no", "on", "off", "y", "n"].contains(text.lowercased())
        expected("true or false", node, hint: yaml11 ? "aerd reads YAML 1.2, where '\(text)' is a string" : nil)
        return nil
    }

    mutating func number(_ node: YAMLNode) -> Double? {
        if case .number(let value) = node.content { return value }
        expected("a number", node)
        return nil
    }

    mutating func int(_ node: YAMLNode) -> Int? {
        guard case .number(let value) = node.content, value == value.rounded(), abs(value) < 1e15 else {
            expected("a whole number", node)
            return nil
        }
        return Int(value)
    }

    mutating func duration(_ node: YAMLNode) -> AerDuration? {
        switch node.content {
        case .string: break
        case .number: expected("a duration", node, hint: AerDuration.syntaxHint); return nil
        default: expected("a duration", node); return nil
        }
        guard let text = string(node, "a duration") else { return nil }
        guard let duration = AerDuration(parsing: text) else {
            error(node.location, "'\(node.scalarText ?? text)' is not a duration", hint: AerDuration.syntaxHint)
            return nil
        }
        return duration
    }

    static let comparisonHint = #"write an operator and a number, such as ">= 3", "= 0" or "< 2""#

    /// A comparison written as text (`">= 3"`); a bare number means `=`.
    mutating func comparison(_ node: YAMLNode) -> Comparison? {
        guard let text = string(node, "a comparison") else { return nil }
        guard let comparison = Comparison(parsing: text) else {
            error(node.location, "'\(node.scalarText ?? text)' is not a comparison", hint: Self.comparisonHint)
            return nil
        }
        return comparison
    }

    /// Any YAML value as JSON, with secret references in strings resolved.
    mutating func json(_ node: YAMLNode) -> JSONValue? {
        switch node.content {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .number(let value): return .number(value)
        case .string: return resolveSecret(node.scalarText ?? "", at: node).map(JSONValue.string)
        case .list(let elements):
            var values: [JSONValue] = []
            var ok = true
            for element in elements {
                if let value = json(element) { values.append(value) } else { ok = false }
            }
            return ok ? .array(values) : nil
        case .mapping:
            return jsonObject(node).map(JSONValue.object)
        }
    }

    /// A mapping as a JSON object.
    mutating func jsonObject(_ node: YAMLNode, skipping skipped: Set<String> = []) -> JSONObject? {
        guard let fields = mapping(node) else { return nil }
        var object = JSONObject()
        var ok = true
        for entry in fields.entries where !skipped.contains(entry.key) {
            if let value = json(entry.value) { object[entry.key] = value } else { ok = false }
        }
        return ok ? object : nil
    }

    // MARK: Secrets

    /// Resolves a whole-value `${env:NAME}` or `${file:PATH}`; other text comes back unchanged.
    mutating func resolveSecret(_ text: String, at node: YAMLNode) -> String? {
        guard text.hasPrefix("${"), text.hasSuffix("}"), text.count >= 3 else { return text }
        let reference = String(text.dropFirst(2).dropLast())
        let key = node.path.isEmpty ? "value" : "'\(node.path)'"
        if reference.hasPrefix("env:") {
            let name = String(reference.dropFirst(4))
            guard !name.isEmpty else {
                error(node.location, "cannot resolve \(key): '\(text)' names no environment variable")
                return nil
            }
            guard let value = environment[name] else {
                error(node.location, "cannot resolve \(key): environment variable \(name) is not set")
                return nil
            }
            return value
        }
        if reference.hasPrefix("file:") {
            let name = String(reference.dropFirst(5))
            guard !name.isEmpty else {
                error(node.location, "cannot resolve \(key): '\(text)' names no file")
                return nil
            }
            let path: String
            if name.hasPrefix("/") {
                path = name
            } else if let directory = credentialsDirectory, !directory.isEmpty {
                path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            } else {
                error(node.location, "cannot resolve \(key): \(name) is a relative path but CREDENTIALS_DIRECTORY is not set",
                      hint: "use an absolute path, or run under systemd with LoadCredential=\(name):PATH")
                return nil
            }
            switch FileText.read(path) {
            case .success(let contents):
                var value = Substring(contents)
                while value.last?.isNewline == true { value = value.dropLast() }
                return String(value)
            case .failure(let reason):
                error(node.location, "cannot resolve \(key): cannot read \(path) (\(reason.description))")
                return nil
            }
        }
        error(node.location, "cannot resolve \(key): unknown reference '\(text)'",
              hint: "write ${env:NAME} or ${file:PATH} as the whole value")
        return nil
    }
}

/// Why a file could not be read.
enum FileReadFailure: Error, CustomStringConvertible {
    case missing, directory, unreadable, notUTF8

    var description: String {
        switch self {
        case .missing: "no such file"
        case .directory: "it is a directory"
        case .unreadable: "permission denied"
        case .notUTF8: "not UTF-8 text"
        }
    }
}

/// Reading whole text files with a reason on failure.
enum FileText {
    static func read(_ path: String) -> Result<String, FileReadFailure> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .failure(.missing) }
        guard !isDirectory.boolValue else { return .failure(.directory) }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.unreadable) }
        guard let text = String(validating: data, as: UTF8.self) else { return .failure(.notUTF8) }
        return .success(text)
    }
}

/// Near-miss suggestions for misspelt keys and names.
enum Spelling {
    /// "did you mean 'x'?" for a close candidate, else the candidates listed under `listing`.
    static func suggestion(for word: String, among candidates: [String], listing: String) -> String {
        if let near = nearest(to: word, among: candidates) { return "did you mean '\(near)'?" }
        return "\(listing): " + (candidates.isEmpty ? "none" : candidates.joined(separator: ", "))
    }

    /// The closest candidate within an edit distance of 2 (1 for words of three letters or fewer).
    static func nearest(to word: String, among candidates: [String]) -> String? {
        let limit = word.count <= 3 ? 1 : 2
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
