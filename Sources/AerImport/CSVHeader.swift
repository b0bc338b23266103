/// A CSV header row resolved against a field map: which column feeds each field, which columns are extras.
struct CSVHeader {
    /// The column names, trimmed.
    let names: [String]
    /// The column index of each field (by `Field.rawValue`); nil when the file has no such column.
    let fieldColumns: [Int?]
    /// Columns that feed no field, with their names: traits (crm) or properties (other kinds).
    let extraColumns: [(index: Int, name: String)]
    private let maxRecordBytes: Int

    /// Reads the header from the parser's current record.
    /// - Throws: `ImportError` (`.badHeader`) when the header is unreadable, repeats a column, or lacks a
    ///   required or explicitly mapped column. The message lists the columns found and how to map one.
    init(parser: borrowing CSVRecordParser, fieldMap: FieldMap, path: String) throws(ImportError) {
        maxRecordBytes = parser.maxRecordBytes
        if parser.overflowed {
            throw ImportError(
                .badHeader,
                "the header row of \(path) is longer than \(ByteCount(parser.maxRecordBytes)); check that the file is CSV and that every quote is closed")
        }
        if parser.unclosedQuote {
            throw ImportError(.badHeader, "the header row of \(path) has a quote that is never closed; fix the first line of the file")
        }
        var names: [String] = []
        for index in 0..<parser.fieldCount {
            names.append(String(decoding: parser.fieldBytes(index), as: UTF8.self).trimmedSpaces())
        }
        self.names = names
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            if let first = seen[name] {
                throw ImportError(
                    .badHeader,
                    "the header of \(path) names column '\(name)' twice (columns \(first + 1) and \(index + 1)); rename one of them so no value is lost")
            }
            seen[name] = index
        }

        let kind = fieldMap.kind
        var fieldColumns = [Int?](repeating: nil, count: Field.allCases.count)
        var missing: [(field: Field, column: String, mapped: Bool)] = []
        for (field, required) in kind.fields {
            let column = fieldMap.source(of: field)
            if let index = seen[column] {
                fieldColumns[field.rawValue] = index
            } else if required || fieldMap.explicit.contains(field) {
                missing.append((field, column, fieldMap.explicit.contains(field)))
            }
        }
        let used = Set(fieldColumns.compactMap { $0 })
        if !missing.isEmpty {
            let unused = names.enumerated().filter { !used.contains($0.offset) && !$0.element.isEmpty }.map(\.element)
            var lines: [String] = []
            for entry in missing {
                let why = entry.mapped ? "given with --map \(entry.field.name)=\(entry.column)" : "required for \(kind.rawValue) imports"
                lines.append("the header of \(path) has no column '\(entry.column)' (\(why))")
            }
            lines.append("columns found: \(names.filter { !$0.isEmpty }.map { "'\($0)'" }.joined(separator: ", "))")
            let examples = missing.map { "--map \($0.field.name)=\(Self.suggestion(for: $0.field, among: unused) ?? "<column>")" }
            lines.append("if the values are in another column, name it: \(examples.joined(separator: " "))")
            throw ImportError(.badHeader, lines.joined(separator: "\n"))
        }
        self.fieldColumns = fieldColumns
        self.extraColumns = names.enumerated()
            .filter { !used.contains($0.offset) && !$0.element.isEmpty }
            .map { (index: $0.offset, name: $0.element) }
    }

    /// Why a data record cannot be read as a row of this header; nil when it can.
    func problem(with parser: borrowing CSVRecordParser) -> String? {
        if parser.overflowed {
            return "the record is longer than \(ByteCount(maxRecordBytes)); check for a quote that is never closed"
        }
        if parser.unclosedQuote {
            return "a quoted cell that starts here is never closed; check for a stray '\"' (write a quote inside a quoted cell as \"\")"
        }
        if parser.fieldCount != names.count {
            return "the row has \(parser.fieldCount) cells but the header has \(names.count) columns; quote cells that contain the delimiter, and check for missing or extra cells"
        }
        return nil
    }

    /// Common other names of each field, for the `--map` example in header errors.
    private static let synonyms: [Field: [String]] = [
        .customerId: ["customerid", "customer", "userid", "user", "clientid", "client", "contactid", "id"],
        .orderId: ["orderid", "order", "ordernumber", "orderno", "invoice", "invoiceid", "transactionid", "id"],
        .date: ["date", "orderdate", "createdat", "timestamp", "time", "purchasedat", "lostat", "churnedat", "day"],
        .amount: ["amount", "total", "revenue", "price", "value", "sum", "ordertotal", "grandtotal"],
        .updatedAt: ["updatedat", "modifiedat", "lastmodified", "updated", "modified"],
        .reason: ["reason", "churnreason", "lostreason", "cause"],
        .currency: ["currency", "currencycode"],
        .email: ["email", "emailaddress", "mail"],
        .phone: ["phone", "phonenumber", "mobile", "tel"],
        .firstName: ["firstname", "givenname", "forename"],
        .lastName: ["lastname", "surname", "familyname"],
    ]

    /// An unused column that probably holds `field` ("Customer ID", "total"), else nil.
    static func suggestion(for field: Field, among columns: [String]) -> String? {
        let normalized = columns.map { column in
            String(column.lowercased().unicodeScalars.filter { ($0.value >= 97 && $0.value <= 122) || ($0.value >= 48 && $0.value <= 57) })
        }
        for name in synonyms[field] ?? [] {
            if let index = normalized.firstIndex(of: name) { return columns[index] }
        }
        return nil
    }
}

/// A byte count written for people: `1 MiB`, `512 KiB`, `1.5 GiB`, `300 B`.
struct ByteCount: CustomStringConvertible {
    var bytes: Int64

    init(_ bytes: Int) { self.bytes = Int64(bytes) }
    init(_ bytes: Int64) { self.bytes = bytes }

    var description: String {
        let units: [(String, Int64)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (unit, size) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            let rounded = (value * 10).rounded() / 10
            return rounded == rounded.rounded() ? "\(Int64(rounded)) \(unit)" : "\(rounded) \(unit)"
        }
        return "\(bytes) B"
    }
}
