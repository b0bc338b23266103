import Testing
@testable import AerImport

/// Parses `text` fed in pieces of `step` bytes; returns each record as (line, cells).
private func parse(_ text: String, step: Int = .max, delimiter: UInt8 = 44, maxRecordBytes: Int = 1 << 20) -> [(line: Int, cells: [String])] {
    var parser = CSVRecordParser(delimiter: delimiter, maxRecordBytes: maxRecordBytes)
    var records: [(Int, [String])] = []
    let bytes = Array(text.utf8)
    func take() { records.append((parser.recordLine, (0..<parser.fieldCount).map { parser.field($0) ?? "<invalid>" })) }
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + min(step, bytes.count))
        var position = offset
        while position < end {
            let (used, complete) = bytes[position..<end].withUnsafeBytes { parser.consume($0) }
            position += used
            if complete { take() }
        }
        offset = end
    }
    if parser.finish() { take() }
    return records.map { (line: $0.0, cells: $0.1) }
}

struct CSVRecordParserTests {
    @Test func splitsCellsOnTheDelimiter() {
        let records = parse("a,b,c\n1,2,3\n")
        #expect(records.map(\.cells) == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(records.map(\.line) == [1, 2])
    }

    @Test func quotedCellsKeepDelimitersAndDoubledQuotes() {
        let records = parse("id,note\n1,\"Smith, John \"\"JJ\"\"\"\n")
        #expect(records[1].cells == ["1", "Smith, John \"JJ\""])
    }

    @Test func lineBreaksInsideQuotesStayInTheCellAndCountLines() {
        let records = parse("id,note\n1,\"first\nsecond\r\nthird\"\n2,x\n")
        #expect(records[1].cells == ["1", "first\nsecond\r\nthird"])
        #expect(records.map(\.line) == [1, 2, 5])
    }

    @Test func crlfAndLoneCRLineEndsAreRecordEnds() {
        let records = parse("a,b\r\n1,2\r\n3,4\r5,6")
        #expect(records.map(\.cells) == [["a", "b"], ["1", "2"], ["3", "4"], ["5", "6"]])
        #expect(records.map(\.line) == [1, 2, 3, 4])
    }

    @Test func blankLinesAndAllEmptyRecordsAreSkippedButCounted() {
        let records = parse("a,b\n\n1,2\n,\n\r\n3,4\n\n")
        #expect(records.map(\.cells) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(records.map(\.line) == [1, 3, 6])
    }

    @Test func aQuotedEmptyCellIsARecord() {
        let records = parse("a\n\"\"\n")
        #expect(records.map(\.cells) == [["a"], [""]])
    }

    @Test func emptyCellsAreKept() {
        #expect(parse("a,,c,\n")[0].cells == ["a", "", "c", ""])
    }

    @Test func strayQuotesInUnquotedCellsAreText() {
        #expect(parse("5\" screen,\"ab\"cd\n")[0].cells == ["5\" screen", "abcd"])
    }

    @Test func anUnclosedQuoteRunsToTheEndAndIsFlagged() {
        var parser = CSVRecordParser(delimiter: 44, maxRecordBytes: 1024)
        let (_, complete) = Array("1,\"open\n2,3\n".utf8).withUnsafeBytes { parser.consume($0) }
        #expect(!complete)
        let finished = parser.finish()
        #expect(finished)
        #expect(parser.unclosedQuote)
        #expect(parser.field(1) == "open\n2,3\n")
    }

    @Test func anyChunkingGivesTheSameRecords() {
        let text = "id,note\r\n1,\"a,\"\"b\"\"\r\nc\"\r\n2,plain\r\n\r\n3,\"\"\r\n"
        let whole = parse(text)
        for step in 1...8 {
            let pieces = parse(text, step: step)
            #expect(pieces.map(\.cells) == whole.map(\.cells), "step \(step)")
            #expect(pieces.map(\.line) == whole.map(\.line), "step \(step)")
        }
        #expect(whole.map(\.line) == [1, 2, 4, 6])
    }

    @Test func anotherDelimiter() {
        #expect(parse("a;b,c;\"d;e\"\n", delimiter: 59)[0].cells == ["a", "b,c", "d;e"])
    }

    @Test func aRecordOverTheLimitIsFlaggedAndTheNextOneIsIntact() {
        var parser = CSVRecordParser(delimiter: 44, maxRecordBytes: 64)
        let text = "x," + String(repeating: "y", count: 500) + "\nnext,row\n"
        var flags: [Bool] = []
        var cells: [[String]] = []
        Array(text.utf8).withUnsafeBytes { buffer in
            var position = 0
            while position < buffer.count {
                let (used, complete) = parser.consume(UnsafeRawBufferPointer(rebasing: buffer[position...]))
                position += used
                if complete {
                    flags.append(parser.overflowed)
                    cells.append((0..<parser.fieldCount).map { parser.field($0) ?? "" })
                }
            }
        }
        #expect(flags == [true, false])
        #expect(cells.last == ["next", "row"])
        #expect(parser.bytes.capacity <= 4096)
    }

    @Test func invalidUTF8CellsReadAsNil() {
        var parser = CSVRecordParser(delimiter: 44, maxRecordBytes: 1024)
        let bytes: [UInt8] = [0x61, 0x2C, 0xE9, 0x74, 0xE9, 0x0A]  // "a,été" in Latin-1
        let (_, complete) = bytes.withUnsafeBytes { parser.consume($0) }
        #expect(complete)
        #expect(parser.field(0) == "a")
        #expect(parser.field(1) == nil)
    }
}
