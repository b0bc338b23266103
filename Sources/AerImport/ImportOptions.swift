/// What an import file holds; each kind becomes its own events (see docs/import.md).
public enum ImportKind: String, Sendable, CaseIterable {
    /// CRM records: one `identify` per row, every other column a trait.
    case crm
    /// Purchases: one `Order Completed` track per row.
    case transactions
    /// Lost customers: a `Customer Lost` track plus an `identify` marking the customer lost.
    case lost
}

/// How the rows of an import file are written.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// Comma- (or otherwise) separated values with a header row, RFC 4180.
    case csv
    /// One JSON object per line.
    case ndjson

    /// The format a file name's extension implies: `.csv`, `.ndjson` or `.jsonl` (any case); nil otherwise.
    public init?(fileExtensionOf path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "csv": self = .csv
        case "ndjson", "jsonl": self = .ndjson
        default: return nil
        }
    }
}

/// How to read an import file.
public struct ImportOptions: Sendable {
    /// What the rows are.
    public var kind: ImportKind
    /// The file's format; nil takes it from the file extension.
    public var format: ImportFormat?
    /// Field name → column name (CSV) or key / dotted path (NDJSON), overriding the defaults
    /// (each field is read from the column of its own name).
    public var mapping: [String: String]
    /// The CSV cell separator, an ASCII byte other than `"`, CR and LF. Default `,`.
    public var delimiter: UInt8
    /// Most events per `EventLog.append`; the events of one row always go in the same append.
    public var batchSize: Int
    /// Longest accepted record (CSV) or line (NDJSON), in bytes; longer ones are rejected. This and the
    /// chunk size bound the reader's memory.
    public var maxRecordBytes: Int
    /// Bytes per `read(2)`. Internal so tests can exercise records that straddle chunks.
    var chunkSize: Int = 1 << 20

    /// Options for importing `kind` rows.
    /// - Parameters:
    ///   - kind: what the rows are.
    ///   - format: the file's format; nil takes it from the file extension.
    ///   - mapping: field name → column (CSV) or key path (NDJSON) overrides.
    ///   - delimiter: the CSV cell separator byte; default `,`.
    ///   - batchSize: most events per append; default 1,000.
    ///   - maxRecordBytes: longest accepted record or line; default 1 MiB.
    public init(
        kind: ImportKind, format: ImportFormat? = nil, mapping: [String: String] = [:], delimiter: UInt8 = 44,
        batchSize: Int = 1000, maxRecordBytes: Int = 1 << 20
    ) {
        self.kind = kind
        self.format = format
        self.mapping = mapping
        self.delimiter = delimiter
        self.batchSize = batchSize
        self.maxRecordBytes = maxRecordBytes
    }
}

/// One row the importer refused, with the reason.
public struct RejectedRow: Sendable, Hashable, CustomStringConvertible {
    /// The physical line the row starts on, 1-based; a CSV header is line 1.
    public var line: Int
    /// What is wrong with the row and how to fix it.
    public var reason: String

    /// A rejected row on `line` for `reason`.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line 17: column 'amount' is 'abc', expected a number like 129.90`.
    public var description: String { "line \(line): \(reason)" }
}

/// What an import did. Counts are rows, not events (a `lost` row makes two events).
public struct ImportReport: Sendable, Hashable {
    /// Data rows read (the CSV header and blank lines are not rows).
    public var rowsRead: Int
    /// Rows whose events were newly stored.
    public var accepted: Int
    /// Valid rows whose events were already stored (an earlier import, or a repeat within this file).
    public var duplicates: Int
    /// The first `ImportReport.keptRejections` rejected rows, in file order.
    public var rejected: [RejectedRow]
    /// All rejected rows, including those not kept in `rejected`.
    public var rejectedCount: Int

    /// How many rejected rows a report keeps; the rest are only counted.
    public static let keptRejections = 1000

    /// A report with the given counts.
    public init(rowsRead: Int = 0, accepted: Int = 0, duplicates: Int = 0, rejected: [RejectedRow] = [], rejectedCount: Int = 0) {
        self.rowsRead = rowsRead
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejected
        self.rejectedCount = rejectedCount
    }

    mutating func reject(line: Int, reason: String) {
        rejectedCount += 1
        if rejected.count < Self.keptRejections { rejected.append(RejectedRow(line: line, reason: reason)) }
    }

    /// The text an operator reads after an import:
    /// ```
    /// imported 998 rows: 990 accepted, 5 already imported, 3 rejected
    ///   line 17: column 'amount' is 'abc', expected a number like 129.90
    /// ```
    public var summary: String {
        var text = "imported \(rowsRead) rows: \(accepted) accepted, \(duplicates) already imported, \(rejectedCount) rejected"
        for row in rejected { text += "\n  \(row)" }
        if rejectedCount > rejected.count {
            text += "\n  … and \(rejectedCount - rejected.count) more rejected rows not shown"
        }
        return text
    }
}

/// A progress snapshot, delivered a few times per second during an import and once at the end.
public struct ImportProgress: Sendable, Hashable {
    /// Data rows read so far.
    public var rowsRead: Int
    /// Bytes of the file read so far.
    public var bytesRead: Int64
    /// Size of the file when the import started.
    public var totalBytes: Int64
    /// Seconds since the import started.
    public var elapsedSeconds: Double
    /// Whether this is the last report of the import.
    public var isFinal: Bool

    /// A snapshot with the given values.
    public init(rowsRead: Int, bytesRead: Int64, totalBytes: Int64, elapsedSeconds: Double, isFinal: Bool) {
        self.rowsRead = rowsRead
        self.bytesRead = bytesRead
        self.totalBytes = totalBytes
        self.elapsedSeconds = elapsedSeconds
        self.isFinal = isFinal
    }

    /// Average rows per second so far.
    public var rowsPerSecond: Double { elapsedSeconds > 0 ? Double(rowsRead) / elapsedSeconds : 0 }
}
