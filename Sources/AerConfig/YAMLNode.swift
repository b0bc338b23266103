import Yams

/// A composed YAML node with where it came from: the file position for diagnostics and the key path
/// (`channels[1].auth_token`) for messages that name a key.
struct YAMLNode {
    let node: Node
    let location: SourceLocation
    let path: String

    /// What a node holds, with scalars typed by the YAML 1.2 core schema: `true`/`false` are booleans,
    /// `yes`/`no`/`on`/`off` stay strings, and `21:00` is a string rather than a base-60 integer.
    enum Content {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case list([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    /// The node's content; children carry their own positions and extended paths.
    var content: Content {
        switch node {
        case .scalar(let scalar):
            return Self.classify(scalar)
        case .sequence(let sequence):
            return .list(sequence.enumerated().map { index, element in
                YAMLNode(node: element, location: child(element), path: "\(path)[\(index)]")
            })
        case .mapping(let mapping):
            return .mapping(mapping.map { key, value in
                let name = key.scalar?.string ?? "?"
                return (
                    YAMLNode(node: key, location: child(key), path: path),
                    YAMLNode(node: value, location: child(value), path: path.isEmpty ? name : "\(path).\(name)")
                )
            })
        case .alias:
            return .null
        }
    }

    /// The last key of the path (`auth_token` for `channels[1].auth_token`), for messages about one key.
    var key: String { path.split(separator: ".").last.map(String.init) ?? path }

    /// The scalar's text as written (without quotes), nil for lists and mappings.
    var scalarText: String? { node.scalar?.string }

    /// Whether this is a scalar that reads as null (`~`, `null`, or nothing at all).
    var isNull: Bool {
        guard case .scalar(let scalar) = node else { return false }
        if case .null = Self.classify(scalar) { return true }
        return false
    }

    /// `a string`, `a number`, `a list`, … for "expected X, got Y" messages.
    var typeName: String {
        switch content {
        case .null: "nothing"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .list: "a list"
        case .mapping: "a mapping"
        }
    }

    private func child(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return location }
        return SourceLocation(file: location.file, line: mark.line, column: mark.column)
    }

    private static func classify(_ scalar: Node.Scalar) -> Content {
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { return .string(text) }
        switch scalar.tag.description {
        case Tag.Name.str.rawValue: return .string(text)
        case Tag.Name.null.rawValue: return .null
        default: break
        }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if isDecimalNumber(text), let value = Double(text), value.isFinite { return .number(value) }
        return .string(text)
    }

    /// `[-+]?(digits[.digits]|.digits)([eE][-+]?digits)?`: what YAML 1.2 core and JSON agree is a number.
    private static func isDecimalNumber(_ text: String) -> Bool {
        var chars = Substring(text)
        if chars.first == "-" || chars.first == "+" { chars = chars.dropFirst() }
        let mantissaEnd = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) ?? chars.endIndex
        let mantissa = chars[..<mantissaEnd]
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !mantissa.isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.contains(where: { !$0.isEmpty })
        else { return false }
        guard mantissaEnd < chars.endIndex else { return true }
        var exponent = chars[chars.index(after: mantissaEnd)...]
        if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// The entries of a YAML mapping, by key.
struct Fields {
    /// The mapping itself (its position is where "missing required key" errors go).
    let node: YAMLNode
    let entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)]

    /// The keys in document order.
    var keys: [String] { entries.map(\.key) }

    /// Whether the key is present, even with a null value.
    func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The value for `key`; nil when absent or null (an empty value counts as not written).
    subscript(key: String) -> YAMLNode? {
        guard let entry = entries.first(where: { $0.key == key }), !entry.value.isNull else { return nil }
        return entry.value
    }

    /// The key node for `key`, for errors about the key itself.
    func keyNode(_ key: String) -> YAMLNode? { entries.first { $0.key == key }?.keyNode }
}
