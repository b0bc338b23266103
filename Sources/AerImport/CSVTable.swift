import AerCore

/// A whole CSV file with a header row, for small tables (model inputs), read with the importer's RFC 4180
/// parser: quoted cells, CRLF, BOM, and each row's starting line number for error messages.
public struct CSVTable: Sendable {
    /// The header row's cells.
    public var header: [String]
    /// The data rows: the physical line each starts on, and its cells.
    public var rows: [(line: Int, cells: [String])]

    /// Reads `path`; cells are trimmed.
    public static func read(path: String, delimiter: UInt8 = 44) throws(ImportError) -> CSVTable {
        let chunks = try ChunkReader(path: path, capacity: 1 << 20)
        var reader = CSVRecordReader(chunks: chunks, delimiter: delimiter, maxRecordBytes: 1 << 20)
        var table = CSVTable(header: [], rows: [])
        var first = true
        while true {
            let more: Bool
            do {
                more = try reader.next()
            } catch {
                throw ImportError(.unreadable, "cannot read '\(path)': \(error.reason)")
            }
            guard more else { break }
            let cells = (0..<reader.parser.fieldCount).map { (reader.parser.field($0) ?? "").trimmingWhitespace() }
            if first {
                table.header = cells
                first = false
            } else {
                table.rows.append((reader.parser.recordLine, cells))
            }
        }
        return table
    }

    /// The index of column `name`, or an error listing the columns there are.
    public func column(_ name: String, option: String) throws(ImportError) -> Int {
        guard let index = header.firstIndex(of: name) else {
            throw ImportError(.badHeader, "no column '\(name)'; the header has \(header.joined(separator: ", ")) — pick one with \(option)")
        }
        return index
    }
}
