import AerCore
import AerJSON
import Foundation
import Synchronization
import Testing
@testable import AerImport

/// Re-runs, batching, failures, progress and streaming.
struct ImporterBehaviourTests {
    private static func transactionsCSV(rows: Int) -> String {
        var csv = "customer_id,order_id,date,amount\n"
        csv.reserveCapacity(rows * 40)
        for i in 0..<rows { csv += "c\(i % 1000),o\(i),2026-01-\(i % 28 + 1 < 10 ? "0" : "")\(i % 28 + 1),\(i % 500).99\n" }
        return csv
    }

    @Test func importingTheSameFileAgainAddsNothing() async throws {
        let file = TempFile(name: "orders.csv", contents: Self.transactionsCSV(rows: 2500))
        defer { file.remove() }
        let log = MemoryLog()
        let importer = Importer(log: log, clock: ManualWallClock(importTime))
        let first = try await importer.run(file: file.path, options: ImportOptions(kind: .transactions))
        let second = try await importer.run(file: file.path, options: ImportOptions(kind: .transactions))
        #expect(first.accepted == 2500)
        #expect(second.accepted == 0)
        #expect(second.duplicates == 2500)
        #expect(await log.events.count == 2500)
    }

    @Test func importingTheSameLostFileAgainAddsNothing() async throws {
        let csv = "customer_id,date,reason\n1,2026-01-01,price\n2,2026-01-02,\n"
        let log = MemoryLog()
        _ = try await runImport(csv, options: ImportOptions(kind: .lost), log: log)
        let (again, _) = try await runImport(csv, options: ImportOptions(kind: .lost), log: log)
        #expect(again.accepted == 0)
        #expect(again.duplicates == 2)
        #expect(await log.events.count == 4)
    }

    @Test func aRepeatedOrderInOneFileCountsAsAlreadyImported() async throws {
        let (report, _) = try await runImport(
            "customer_id,order_id,date,amount\n1,A,2026-01-01,5\n1,A,2026-01-01,5\n", options: ImportOptions(kind: .transactions))
        #expect(report.accepted == 1)
        #expect(report.duplicates == 1)
    }

    @Test func eventsArriveInAppendsOfAtMostBatchSize() async throws {
        let options = ImportOptions(kind: .transactions, batchSize: 300)
        let (_, log) = try await runImport(Self.transactionsCSV(rows: 1000), options: options)
        #expect(await log.appendSizes == [300, 300, 300, 100])
    }

    @Test func aLostRowsTwoEventsAreNeverSplitAcrossAppends() async throws {
        var csv = "customer_id,date\n"
        for i in 0..<10 { csv += "\(i),2026-01-01\n" }
        let (report, log) = try await runImport(csv, options: ImportOptions(kind: .lost, batchSize: 5))
        #expect(report.accepted == 10)
        #expect(await log.appendSizes == [4, 4, 4, 4, 4])
    }

    @Test func aFailedAppendStopsTheImportAndSaysWhatWasCommitted() async throws {
        let file = TempFile(name: "orders.csv", contents: Self.transactionsCSV(rows: 1000))
        defer { file.remove() }
        let log = MemoryLog(failAfter: 2)
        let importer = Importer(log: log, clock: ManualWallClock(importTime))
        let error = await #expect(throws: ImportError.self) {
            try await importer.run(file: file.path, options: ImportOptions(kind: .transactions, batchSize: 100))
        }
        #expect(error?.code == .appendFailed)
        #expect(error?.committedRows == 200)
        #expect(
            error?.description
                == "storing events failed: disk full. 200 rows were committed (every valid row up to line 201). Fix the problem and run the same import again: rows already imported are skipped."
        )
        #expect(await log.events.count == 200)
    }

    @Test func aCancelledImportStopsBeforeTheNextAppend() async throws {
        let file = TempFile(name: "orders.csv", contents: Self.transactionsCSV(rows: 1000))
        defer { file.remove() }
        let log = MemoryLog(cancelsCaller: true)
        let importer = Importer(log: log, clock: ManualWallClock(importTime))
        let error = await #expect(throws: ImportError.self) {
            try await importer.run(file: file.path, options: ImportOptions(kind: .transactions, batchSize: 400))
        }
        #expect(error?.code == .cancelled)
        #expect(error?.committedRows == 400)
        #expect(await log.appendSizes == [400])
    }

    @Test func aMissingFileIsAnError() async throws {
        let importer = Importer(log: MemoryLog(), clock: ManualWallClock(importTime))
        let error = await #expect(throws: ImportError.self) {
            try await importer.run(file: "/nonexistent/orders.csv", options: ImportOptions(kind: .transactions))
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description.hasPrefix("file not found: /nonexistent/orders.csv; check the path") == true)
    }

    @Test func progressIsReportedAndEndsWithAFinalReport() async throws {
        let file = TempFile(name: "orders.csv", contents: Self.transactionsCSV(rows: 3000))
        defer { file.remove() }
        let reports = Mutex<[ImportProgress]>([])
        let importer = Importer(log: MemoryLog(), clock: ManualWallClock(importTime), progress: { progress in reports.withLock { $0.append(progress) } })
        _ = try await importer.run(file: file.path, options: ImportOptions(kind: .transactions))
        let seen = reports.withLock { $0 }
        let last = try #require(seen.last)
        #expect(last.isFinal)
        #expect(last.rowsRead == 3000)
        #expect(last.bytesRead == last.totalBytes)
        #expect(last.totalBytes > 0)
        #expect(seen.dropLast().allSatisfy { !$0.isFinal })
    }

    @Test func progressLineShowsRowsBytesAndRate() {
        let progress = ImportProgress(rowsRead: 120_000, bytesRead: 3 << 20, totalBytes: 12 << 20, elapsedSeconds: 2, isFinal: false)
        #expect(progress.line == "read 120000 rows · 3 MiB of 12 MiB (25%) · 60000 rows/s")
    }

    @Test func theSummaryCountsRowsAndListsRejections() {
        let report = ImportReport(
            rowsRead: 998, accepted: 990, duplicates: 5,
            rejected: [RejectedRow(line: 17, reason: "column 'amount' is 'abc', expected a number like 129.90")], rejectedCount: 3)
        #expect(
            report.summary == """
                imported 998 rows: 990 accepted, 5 already imported, 3 rejected
                  line 17: column 'amount' is 'abc', expected a number like 129.90
                  … and 2 more rejected rows not shown
                """)
    }

    @Test func aLargeFileStreamsThroughBoundedBuffers() async throws {
        let rows = 200_000
        let file = TempFile(name: "orders.csv", contents: Self.transactionsCSV(rows: rows))
        defer { file.remove() }

        // The reader holds one chunk and one record, never the file.
        var reader = CSVRecordReader(chunks: try ChunkReader(path: file.path, capacity: 64 << 10), delimiter: 44, maxRecordBytes: 1 << 20)
        var records = 0
        while try reader.next() { records += 1 }
        #expect(records == rows + 1)
        #expect(reader.bytesRead == reader.totalBytes)
        #expect(reader.totalBytes > 5 << 20)
        #expect(reader.peakBufferedBytes <= (64 << 10) + 8 << 10)

        var options = ImportOptions(kind: .transactions)
        options.chunkSize = 64 << 10
        let report = try await Importer(log: MemoryLog(), clock: ManualWallClock(importTime)).run(file: file.path, options: options)
        #expect(report.rowsRead == rows)
        #expect(report.accepted == rows)
        #expect(report.rejectedCount == 0)
    }

    @Test func theNDJSONReaderHoldsOneChunkAndOneLine() throws {
        var text = ""
        for i in 0..<20_000 { text += #"{"customer_id": "\#(i)", "date": "2026-01-01"}"# + "\n" }
        let file = TempFile(name: "lost.ndjson", contents: text)
        defer { file.remove() }
        var reader = NDJSONLineReader(chunks: try ChunkReader(path: file.path, capacity: 4096), maxLineBytes: 1 << 20)
        var lines = 0
        while try reader.next() { lines += 1 }
        #expect(lines == 20_000)
        #expect(reader.line == 20_000)
        #expect(reader.peakBufferedBytes <= 4096 + 8192)
    }

    @Test func badOptionsAreErrors() async throws {
        let zero = try #require(await importError("customer_id\n", options: ImportOptions(kind: .crm, batchSize: 0)))
        #expect(zero.error.code == .badOption)
        let quote = try #require(await importError("customer_id\n", options: ImportOptions(kind: .crm, delimiter: 0x22)))
        #expect(quote.error.code == .badOption)
    }
}
