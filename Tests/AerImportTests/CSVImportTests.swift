import AerCore
import AerJSON
import Testing
@testable import AerImport

/// CSV files as they come out of real tools: BOMs, CRLF, quoted line breaks, trailing blank lines.
struct CSVImportTests {
    private let transactions = ImportOptions(kind: .transactions)

    @Test func aUTF8ByteOrderMarkIsNotPartOfTheFirstColumnName() async throws {
        let (report, log) = try await runImport("\u{FEFF}customer_id,order_id,date,amount\n42,1,2026-01-01,5\n", options: transactions)
        #expect(report.accepted == 1)
        #expect(await log.events.first?.userId == "42")
    }

    @Test func crlfLineEnds() async throws {
        let (report, log) = try await runImport(
            "customer_id,order_id,date,amount\r\n42,1,2026-01-01,5\r\n43,2,2026-01-02,6\r\n", options: transactions)
        #expect(report.accepted == 2)
        #expect(await log.events.map(\.properties) == [["order_id": "1", "revenue": 5], ["order_id": "2", "revenue": 6]])
    }

    @Test func quotedCellsWithLineBreaksKeepLaterLineNumbersRight() async throws {
        let csv = """
            customer_id,order_id,date,amount,note
            42,1,2026-01-01,5,"gift wrap,
            ""red"" ribbon"
            43,2,2026-01-02,oops,plain
            44,3,2026-01-03,7,"a
            b
            c"
            45,4,bad-date,8,x

            """
        let (report, log) = try await runImport(csv, options: transactions)
        #expect(report.rejected.map(\.line) == [4, 8])
        #expect(await log.events.first?.properties["note"] == "gift wrap,\n\"red\" ribbon")
        #expect(await log.events.last?.properties["note"] == "a\nb\nc")
    }

    @Test func emptyTrailingLinesAreNotRows() async throws {
        let (report, _) = try await runImport("customer_id,order_id,date,amount\n42,1,2026-01-01,5\n\n\n", options: transactions)
        #expect(report.rowsRead == 1)
        #expect(report.rejectedCount == 0)
    }

    @Test func noLineBreakAfterTheLastRow() async throws {
        let (report, _) = try await runImport("customer_id,order_id,date,amount\n42,1,2026-01-01,5", options: transactions)
        #expect(report.accepted == 1)
    }

    @Test func aHeaderOnlyFileImportsNothing() async throws {
        let (report, log) = try await runImport("customer_id,order_id,date,amount\n", options: transactions)
        #expect(report == ImportReport())
        #expect(await log.appendSizes.isEmpty)
    }

    @Test func aSemicolonDelimiter() async throws {
        var options = transactions
        options.delimiter = UInt8(ascii: ";")
        let (report, log) = try await runImport("customer_id;order_id;date;amount\n42;1;2026-01-01;5.50\n", options: options)
        #expect(report.accepted == 1)
        #expect(await log.events.first?.properties["revenue"] == 5.5)
    }

    @Test func anUnclosedQuoteRejectsTheRestOfTheFileAsOneRow() async throws {
        let (report, _) = try await runImport(
            "customer_id,order_id,date,amount\n42,1,2026-01-01,5\n43,\"2,2026-01-02,6\n44,3,2026-01-03,7\n", options: transactions)
        #expect(report.accepted == 1)
        #expect(
            report.rejected == [
                RejectedRow(line: 3, reason: "a quoted cell that starts here is never closed; check for a stray '\"' (write a quote inside a quoted cell as \"\")")
            ])
    }

    @Test func aRecordOverTheSizeLimitIsRejectedAndTheNextRowImports() async throws {
        var options = transactions
        options.maxRecordBytes = 256
        let long = String(repeating: "z", count: 1000)
        let (report, _) = try await runImport(
            "customer_id,order_id,date,amount,note\n42,1,2026-01-01,5,\(long)\n43,2,2026-01-02,6,short\n", options: options)
        #expect(report.accepted == 1)
        #expect(report.rejected == [RejectedRow(line: 2, reason: "the record is longer than 256 B; check for a quote that is never closed")])
    }

    @Test func rowsStraddlingChunkBoundariesImportTheSame() async throws {
        var csv = "customer_id,order_id,date,amount,note\r\n"
        for i in 0..<300 { csv += "c\(i),o\(i),2026-01-01,\(i).5,\"multi\r\nline \"\"\(i)\"\"\"\r\n" }
        var small = transactions
        small.chunkSize = 7
        let (a, smallLog) = try await runImport(csv, options: small)
        let (b, bigLog) = try await runImport(csv, options: transactions)
        #expect(a == b)
        #expect(a.accepted == 300)
        let smallEvents = await smallLog.events
        #expect(smallEvents == (await bigLog.events))
        #expect(smallEvents.last?.properties["note"] == "multi\r\nline \"299\"")
    }
}

/// The header row is checked before any row is read; `--map` renames fields to columns.
struct HeaderAndMappingTests {
    @Test func aMissingRequiredColumnStopsTheImportAndSaysHowToMapIt() async throws {
        let failure = try #require(
            await importError("customer_id,order_id,date,total\n42,1,2026-01-01,5\n", name: "orders.csv", options: ImportOptions(kind: .transactions)))
        #expect(failure.error.code == .badHeader)
        #expect(
            failure.text == """
                the header of orders.csv has no column 'amount' (required for transactions imports)
                columns found: 'customer_id', 'order_id', 'date', 'total'
                if the values are in another column, name it: --map amount=total
                """)
    }

    @Test func severalMissingColumnsAreListedTogether() async throws {
        let failure = try #require(await importError("Customer ID,when,x\n", options: ImportOptions(kind: .lost)))
        #expect(
            failure.text == """
                the header of data.csv has no column 'customer_id' (required for lost imports)
                the header of data.csv has no column 'date' (required for lost imports)
                columns found: 'Customer ID', 'when', 'x'
                if the values are in another column, name it: --map customer_id=Customer ID --map date=<column>
                """)
    }

    @Test func mapReadsAFieldFromAnotherColumnAndThatColumnIsNoExtra() async throws {
        let options = ImportOptions(kind: .transactions, mapping: ["amount": "total", "customer_id": "Customer ID"])
        let (report, log) = try await runImport("Customer ID,order_id,date,total\n42,1,2026-01-01,5\n", options: options)
        #expect(report.accepted == 1)
        let event = try #require(await log.events.first)
        #expect(event.userId == "42")
        #expect(event.properties == ["order_id": "1", "revenue": 5])
    }

    @Test func rejectionsNameTheMappedColumn() async throws {
        let options = ImportOptions(kind: .transactions, mapping: ["amount": "total"])
        let (report, _) = try await runImport("customer_id,order_id,date,total\n42,1,2026-01-01,x\n", options: options)
        #expect(report.rejected.first?.reason == "column 'total' is 'x', expected a number like 129.90")
    }

    @Test func anUnknownMapFieldIsAnError() async throws {
        let failure = try #require(
            await importError("customer_id,order_id,date,amount\n", options: ImportOptions(kind: .transactions, mapping: ["price": "total"])))
        #expect(failure.error.code == .badMapping)
        #expect(
            failure.text
                == "--map price=total: transactions imports have no field 'price'; the fields are customer_id, order_id, date, amount, currency (other columns are kept under their own names)")
    }

    @Test func anOptionalFieldMappedToAMissingColumnIsAnError() async throws {
        let failure = try #require(
            await importError("customer_id,order_id,date,amount\n", options: ImportOptions(kind: .transactions, mapping: ["currency": "cur"])))
        #expect(failure.error.code == .badHeader)
        #expect(failure.text.hasPrefix("the header of data.csv has no column 'cur' (given with --map currency=cur)\n"))
    }

    @Test func aRepeatedColumnNameIsAnError() async throws {
        let failure = try #require(await importError("customer_id,email,email\n", options: ImportOptions(kind: .crm)))
        #expect(failure.text == "the header of data.csv names column 'email' twice (columns 2 and 3); rename one of them so no value is lost")
    }

    @Test func anEmptyFileIsAnError() async throws {
        let failure = try #require(await importError("", options: ImportOptions(kind: .transactions)))
        #expect(
            failure.text == "data.csv is empty; a CSV import needs a header row naming the columns, e.g. customer_id,order_id,date,amount")
    }

    @Test func columnsWithoutANameAreIgnored() async throws {
        let (report, log) = try await runImport("customer_id,plan,,\n42,pro,x,\n", options: ImportOptions(kind: .crm))
        #expect(report.accepted == 1)
        #expect(await log.events.first?.traits == ["plan": "pro"])
    }
}
