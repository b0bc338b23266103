/// A JSON document held as a Swift value.
///
/// Numbers are `Double`, as in JavaScript and in the Segment libraries that send them. Objects keep the
/// order their members arrived in, so a stored event reads back the way its sender wrote it.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number; JSON text can't express NaN or infinities, and the writer turns them into `null`.
    case number(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, members in order.
    case object(JSONObject)
}

/// An ordered JSON object: member order is preserved, lookups are by key (last duplicate wins).
///
/// Event payloads have few members, so a linear scan beats hashing every key on the ingest hot path.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The members in document order, keys unique.
    public private(set) var members: [(key: String, value: JSONValue)]

    /// An empty object.
    public init() { members = [] }

    /// An object with the given members; a later duplicate key replaces the earlier one in place.
    ///
    /// - Parameter pairs: Keys and values in order; the first occurrence of a key fixes its position,
    ///   the last its value.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init(lastDuplicateWins: pairs.map { (key: $0.0, value: $0.1) })
    }

    /// Builds an object from members that may repeat keys: a repeated key keeps its first position and
    /// takes its last value, as `JSON.parse` does in JavaScript.
    ///
    /// Linear scans for small objects; a hash index beyond that so a large hostile object costs O(n).
    init(lastDuplicateWins pairs: [(key: String, value: JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        if pairs.count <= 16 {
            for pair in pairs { self[pair.key] = pair.value }
            return
        }
        var positions: [String: Int] = [:]
        positions.reserveCapacity(pairs.count)
        for pair in pairs {
            if let position = positions[pair.key] {
                members[position].value = pair.value
            } else {
                positions[pair.key] = members.count
                members.append(pair)
            }
        }
    }

    /// An object written as a dictionary literal; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// Builds an object from members already known to have unique keys (the parser's fast path).
    init(uniqueMembers: [(key: String, value: JSONValue)]) {
        members = uniqueMembers
    }

    /// Number of members.
    public var count: Int { members.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The keys in document order.
    public var keys: [String] { members.map(\.key) }

    /// The value for `key`, or nil; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Adds the members of `other` that this object lacks; existing members win.
    public mutating func fill(from other: JSONObject) {
        for member in other.members where self[member.key] == nil { members.append(member) }
    }

    /// Sets every member of `other` on this object; `other` wins.
    public mutating func merge(_ other: JSONObject) {
        for member in other.members { self[member.key] = member.value }
    }

    /// Iterates over the members in order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    /// Equal when both have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        // Usually both sides list their keys in the same order: walk them in step, and look keys up
        // only from the first place where the orders part.
        for index in lhs.members.indices {
            let member = lhs.members[index]
            guard member.key == rhs.members[index].key else {
                for member in lhs.members[index...] where rhs[member.key] != member.value { return false }
                return true
            }
            if member.value != rhs.members[index].value { return false }
        }
        return true
    }

    /// Hashes the members regardless of their order, as `==` compares them.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, if this is a number.
    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The Boolean, if this is a Boolean.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The array, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object, nil for anything else.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Follows a dot-separated path of object keys (`"address.city"`).
    public func value(atPath path: String) -> JSONValue? {
        var current = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// The JSON type name, for error messages ("expected a string, got a number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string value from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A number from an integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A number from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A Boolean from `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `null` from `nil`.
    public init(nilLiteral: ()) { self = .null }
    /// An array from an array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object from a dictionary literal; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}
