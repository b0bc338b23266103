public import AerCore
import AerJSON

/// Imports a CSV or NDJSON file of CRM records, transactions or lost customers into the event log.
///
/// The file is streamed: read in fixed chunks, parsed one record at a time, and written in batches, each
/// append awaited before reading on. Memory stays bounded by the chunk size, `maxRecordBytes` and one batch,
/// whatever the file size. Every event has a deterministic `messageId`, so importing the same file again
/// adds nothing, and an import that stopped half way can simply be run again.
public struct Importer: Sendable {
    private let log: any EventLog
    private let clock: any WallClock
    private let progress: (@Sendable (ImportProgress) -> Void)?

    /// Flush a batch early once its rows hold this many bytes, so a batch of huge rows stays bounded.
    static let maxBatchRecordBytes = 16 << 20
    /// Least time between two progress reports.
    static let progressInterval: Duration = .milliseconds(250)

    /// An importer writing to `log`.
    /// - Parameters:
    ///   - log: where events go; the importer never depends on a concrete store.
    ///   - clock: supplies `receivedAt`, and the timestamp of CRM rows without `updated_at`.
    ///   - progress: called a few times per second and once at the end; see `ImportProgress.terminalReporter()`.
    public init(log: any EventLog, clock: any WallClock, progress: (@Sendable (ImportProgress) -> Void)? = nil) {
        self.log = log
        self.clock = clock
        self.progress = progress
    }

    /// Imports the file at `path`.
    /// - Parameters:
    ///   - path: the CSV or NDJSON file.
    ///   - options: kind, format, column mapping, delimiter and batch size.
    /// - Returns: rows read, accepted, already imported, and rejected (with line numbers and reasons).
    /// - Throws: `ImportError` when the import cannot start (file, format, header, mapping) or must stop
    ///   (a failed append: the error says how many rows were committed before it).
    public func run(file path: String, options: ImportOptions) async throws(ImportError) -> ImportReport {
        guard options.batchSize >= 1 else {
            throw ImportError(.badOption, "batch size \(options.batchSize) is too small; use 1 or more (default 1000)")
        }
        guard options.maxRecordBytes >= 64 else {
            throw ImportError(.badOption, "maximum record size \(options.maxRecordBytes) is too small; use 64 bytes or more (default 1 MiB)")
        }
        let fieldMap = try FieldMap(kind: options.kind, mapping: options.mapping)
        guard let format = options.format ?? ImportFormat(fileExtensionOf: path) else {
            throw ImportError(
                .unknownFormat,
                "cannot tell the format of \(path) from its extension; name it .csv, .ndjson or .jsonl, or pass --format csv or --format ndjson"
            )
        }
        if format == .csv {
            let d = options.delimiter
            guard d < 0x80, d != 0x22, d != 0x0A, d != 0x0D else {
                throw ImportError(.badOption, "delimiter byte \(d) cannot separate CSV cells; use a single ASCII character other than a quote or line break, e.g. ';' or a tab")
            }
        }
        let chunks = try ChunkReader(path: path, capacity: options.chunkSize)
        var session = ImportSession(log: log, clock: clock, progress: progress, options: options)
        switch format {
        case .csv:
            var reader = CSVRecordReader(chunks: chunks, delimiter: options.delimiter, maxRecordBytes: options.maxRecordBytes)
            try await importCSV(&reader, path: path, fieldMap: fieldMap, session: &session)
        case .ndjson:
            var reader = NDJSONLineReader(chunks: chunks, maxLineBytes: options.maxRecordBytes)
            try await importNDJSON(&reader, fieldMap: fieldMap, session: &session)
        }
        return session.report
    }

    private func importCSV(
        _ reader: inout CSVRecordReader, path: String, fieldMap: FieldMap, session: inout ImportSession
    ) async throws(ImportError) {
        guard try await session.read({ () throws(ReadFailure) in try reader.next() }) else {
            throw ImportError(
                .badHeader,
                "\(path) is empty; a CSV import needs a header row naming the columns, e.g. \(fieldMap.kind.fields.filter(\.required).map(\.field.name).joined(separator: ","))"
            )
        }
        let header = try CSVHeader(parser: reader.parser, fieldMap: fieldMap, path: path)
        let mapper = RowMapper(kind: fieldMap.kind, fields: fieldMap, noun: "column")
        let fields = fieldMap.kind.fields.map(\.field)
        // One row value, refilled in place for every record, so its arrays are allocated once.
        var row = RowInput(line: 0, cells: [Cell?](repeating: nil, count: Field.allCases.count), extras: [])
        while try await session.read({ () throws(ReadFailure) in try reader.next() }) {
            let line = reader.parser.recordLine
            session.rowRead(bytesRead: reader.bytesRead, totalBytes: reader.totalBytes)
            if let problem = header.problem(with: reader.parser) {
                session.reject(line: line, reason: problem)
                continue
            }
            row.line = line
            row.extras.removeAll(keepingCapacity: true)
            var badColumn: String?
            for field in fields {
                guard let index = header.fieldColumns[field.rawValue] else { continue }
                if let text = reader.parser.field(index) {
                    row.cells[field.rawValue] = .text(text)
                } else {
                    row.cells[field.rawValue] = nil
                    badColumn = badColumn ?? header.names[index]
                }
            }
            for (index, name) in header.extraColumns {
                guard let text = reader.parser.field(index) else {
                    badColumn = badColumn ?? name
                    continue
                }
                if let value = RowMapper.csvValue(text) { row.extras.append((name, value)) }
            }
            if let badColumn {
                session.reject(line: line, reason: "column '\(badColumn)' is not valid UTF-8 text; save the file as UTF-8 (in Excel: CSV UTF-8)")
                continue
            }
            try await session.add(row, mapper: mapper, recordBytes: reader.parser.bytes.count)
        }
        try await session.finish(bytesRead: reader.bytesRead, totalBytes: reader.totalBytes)
    }

    private func importNDJSON(_ reader: inout NDJSONLineReader, fieldMap: FieldMap, session: inout ImportSession) async throws(ImportError) {
        let mapper = RowMapper(kind: fieldMap.kind, fields: fieldMap, noun: "key")
        let fields = fieldMap.kind.fields.map(\.field)
        let consumedKeys = Set(fields.map { fieldMap.source(of: $0) })
        while try await session.read({ () throws(ReadFailure) in try reader.next() }) {
            let line = reader.line
            session.rowRead(bytesRead: reader.bytesRead, totalBytes: reader.totalBytes)
            if reader.overflowed {
                session.reject(line: line, reason: "the line is longer than \(ByteCount(session.options.maxRecordBytes)); split the record or raise the limit")
                continue
            }
            let object: JSONObject
            do {
                object = try reader.withLine { try parseJSONLine($0) }
            } catch JSONLineError.notAnObject(let type) {
                session.reject(line: line, reason: "the line is \(type), expected one JSON object per line like {\"customer_id\": \"42\", …}")
                continue
            } catch {
                let detail = if case JSONLineError.invalid(let text) = error { text } else { "\(error)" }
                session.reject(line: line, reason: "the line is not valid JSON (\(detail)); each line must be one complete JSON object")
                continue
            }
            var cells = [Cell?](repeating: nil, count: Field.allCases.count)
            for field in fields {
                let key = fieldMap.source(of: field)
                if let value = object[key] ?? (key.contains(".") ? JSONValue.object(object).value(atPath: key) : nil) {
                    cells[field.rawValue] = .json(value)
                }
            }
            var extras: [(key: String, value: JSONValue)] = []
            for member in object where !consumedKeys.contains(member.key) {
                if let value = RowMapper.jsonExtra(member.value) { extras.append((member.key, value)) }
            }
            try await session.add(RowInput(line: line, cells: cells, extras: extras), mapper: mapper, recordBytes: reader.lineLength)
        }
        try await session.finish(bytesRead: reader.bytesRead, totalBytes: reader.totalBytes)
    }
}

/// The state of one running import: the report so far, the pending batch, progress pacing.
private struct ImportSession {
    let log: any EventLog
    let clock: any WallClock
    let progress: (@Sendable (ImportProgress) -> Void)?
    let options: ImportOptions
    private(set) var report = ImportReport()

    private var batch: [Event] = []
    private var batchRows = 0
    private var batchRecordBytes = 0
    private var batchLastLine = 0
    private var committedRows = 0
    private var committedThroughLine = 0
    private let eventsPerRow: Int
    private let started = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private var bytesRead: Int64 = 0

    init(log: any EventLog, clock: any WallClock, progress: (@Sendable (ImportProgress) -> Void)?, options: ImportOptions) {
        self.log = log
        self.clock = clock
        self.progress = progress
        self.options = options
        self.eventsPerRow = options.kind.eventsPerRow
        batch.reserveCapacity(min(options.batchSize, 65_536))
    }

    /// Runs a reader step. When reading fails, first commits the rows already accepted, then throws an
    /// error that says how far the import got.
    mutating func read(_ step: () throws(ReadFailure) -> Bool) async throws(ImportError) -> Bool {
        do {
            return try step()
        } catch {
            if !batch.isEmpty { try await flush() }
            throw ImportError(
                .unreadable,
                "reading the file failed after \(report.rowsRead) rows: \(error.reason). \(committedText) Run the same import again when the file is readable: rows already imported are skipped.",
                committedRows: committedRows)
        }
    }

    mutating func rowRead(bytesRead: Int64, totalBytes: Int64) {
        report.rowsRead += 1
        self.bytesRead = bytesRead
        if progress != nil, report.rowsRead & 1023 == 0 {
            let now = ContinuousClock.now
            if now - lastReport >= Importer.progressInterval {
                lastReport = now
                reportProgress(totalBytes: totalBytes, isFinal: false)
            }
        }
    }

    mutating func reject(line: Int, reason: String) {
        report.reject(line: line, reason: reason)
    }

    /// Maps the row into the batch, or rejects it; appends the batch when full.
    mutating func add(_ row: RowInput, mapper: RowMapper, recordBytes: Int) async throws(ImportError) {
        if !batch.isEmpty, batch.count + eventsPerRow > options.batchSize || batchRecordBytes >= Importer.maxBatchRecordBytes {
            try await flush()
        }
        if let problem = mapper.map(row, now: clock.now(), into: &batch) {
            report.reject(line: row.line, reason: problem)
            return
        }
        batchRows += 1
        batchRecordBytes += recordBytes
        batchLastLine = row.line
    }

    /// Appends the last batch and sends the final progress report.
    mutating func finish(bytesRead: Int64, totalBytes: Int64) async throws(ImportError) {
        if !batch.isEmpty { try await flush() }
        self.bytesRead = bytesRead
        if progress != nil { reportProgress(totalBytes: totalBytes, isFinal: true) }
    }

    private mutating func flush() async throws(ImportError) {
        if Task.isCancelled {
            throw ImportError(.cancelled, "import cancelled after \(report.rowsRead) rows. \(committedText)", committedRows: committedRows)
        }
        let outcome: AppendOutcome
        do {
            outcome = try await log.append(batch)
        } catch {
            throw ImportError(
                .appendFailed,
                "storing events failed: \(error). \(committedText) Fix the problem and run the same import again: rows already imported are skipped.",
                committedRows: committedRows)
        }
        let duplicateRows = min(outcome.duplicates / eventsPerRow, batchRows)
        report.duplicates += duplicateRows
        report.accepted += batchRows - duplicateRows
        committedRows += batchRows
        committedThroughLine = batchLastLine
        batch.removeAll(keepingCapacity: true)
        batchRows = 0
        batchRecordBytes = 0
    }

    private var committedText: String {
        committedRows == 0
            ? "No rows were committed."
            : "\(committedRows) rows were committed (every valid row up to line \(committedThroughLine))."
    }

    private func reportProgress(totalBytes: Int64, isFinal: Bool) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        progress?(
            ImportProgress(
                rowsRead: report.rowsRead, bytesRead: bytesRead, totalBytes: totalBytes, elapsedSeconds: seconds,
                isFinal: isFinal))
    }
}
