/// Why an import could not run or had to stop. The description says what to fix.
///
/// Rejected rows are not errors (they are listed in the `ImportReport`); these are the problems that stop
/// the whole import: the file, its header, the options, or the event log.
public struct ImportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A broad reason, for callers that branch (exit codes, tests). New codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case fileNotFound, unreadable, unknownFormat, badOption, badMapping, badHeader, appendFailed, cancelled
        }

        fileprivate let base: Base

        /// The file does not exist.
        public static let fileNotFound = Code(base: .fileNotFound)
        /// The file exists but could not be opened or read.
        public static let unreadable = Code(base: .unreadable)
        /// No `--format` and an extension that does not say.
        public static let unknownFormat = Code(base: .unknownFormat)
        /// An option value is out of range.
        public static let badOption = Code(base: .badOption)
        /// A `--map` names a field the kind does not have.
        public static let badMapping = Code(base: .badMapping)
        /// The CSV header is missing, lacks a required column, or repeats one.
        public static let badHeader = Code(base: .badHeader)
        /// The event log refused an append; earlier batches are committed.
        public static let appendFailed = Code(base: .appendFailed)
        /// The importing task was cancelled; earlier batches are committed.
        public static let cancelled = Code(base: .cancelled)

        public var description: String { base.rawValue }
    }

    /// The broad reason.
    public let code: Code
    /// Rows whose events were committed before the import stopped; nil when it stopped before any append.
    public let committedRows: Int?
    /// The full explanation, with what to do about it.
    public let message: String

    init(_ code: Code, _ message: String, committedRows: Int? = nil) {
        self.code = code
        self.message = message
        self.committedRows = committedRows
    }

    public var description: String { message }
}
