/// A position in a configuration file: the path as given (relative to the working directory when the config
/// directory was), and a 1-based line and column.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file, e.g. `config/segments/intent.yaml`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars.
    public var column: Int

    /// A location in `file` at `line`:`column`.
    /// - Parameters:
    ///   - file: The file's path, as shown to the operator.
    ///   - line: 1-based line.
    ///   - column: 1-based column.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COLUMN`.
    public var description: String { "\(file):\(line):\(column)" }

    /// Orders by file, then line, then column.
    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found in a configuration directory, at the YAML node that caused it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The file, e.g. `config/segments/intent.yaml`.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// What is wrong.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    /// A diagnostic at `file`:`line`:`column`.
    /// - Parameters:
    ///   - file: The file's path, as shown to the operator.
    ///   - line: 1-based line.
    ///   - column: 1-based column.
    ///   - message: What is wrong.
    ///   - hint: How to fix it.
    public init(file: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// A diagnostic at `location`.
    /// - Parameters:
    ///   - location: Where the problem is.
    ///   - message: What is wrong.
    ///   - hint: How to fix it.
    public init(at location: SourceLocation, message: String, hint: String? = nil) {
        self.init(file: location.file, line: location.line, column: location.column, message: message, hint: hint)
    }

    /// Where the problem is.
    public var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    /// `FILE:LINE:COLUMN: error: MESSAGE`, with `; HINT` appended when there is a hint.
    public var description: String {
        let head = "\(file):\(line):\(column): error: \(message)"
        guard let hint else { return head }
        return head + "; " + hint
    }
}

/// Every problem found while loading a configuration directory, sorted by file, line and column.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, sorted by file, line and column.
    public var diagnostics: [Diagnostic]

    /// Wraps `diagnostics`, sorting them by file, line, column (then message, for a stable order).
    /// - Parameter diagnostics: The problems found.
    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted {
            ($0.file, $0.line, $0.column, $0.message) < ($1.file, $1.line, $1.column, $1.message)
        }
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
