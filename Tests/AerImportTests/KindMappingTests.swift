import AerCore
import AerJSON
import Testing
@testable import AerImport

/// Each kind's rows become exactly the documented events.
struct KindMappingTests {
    @Test func aCRMRowBecomesOneIdentifyWithEveryOtherColumnAsATrait() async throws {
        let csv = "customer_id,email,first_name,plan,sms_opt_in,visits\n42,ann@example.com,Ann,pro,true,17\n"
        let (report, log) = try await runImport(csv, options: ImportOptions(kind: .crm))
        let events = await log.events
        #expect(report.accepted == 1)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.type == .identify)
        #expect(event.source == "import:crm")
        #expect(event.userId == "42")
        #expect(event.traits == ["email": "ann@example.com", "first_name": "Ann", "plan": "pro", "sms_opt_in": true, "visits": "17"])
        #expect(event.traits.keys == ["email", "first_name", "plan", "sms_opt_in", "visits"])
        #expect(event.timestamp == importTime)
        #expect(event.receivedAt == importTime)
        #expect(event.messageId.hasPrefix("crm:"))
        #expect(event.messageId.count == 4 + 32)
        #expect(event.properties.isEmpty)
    }

    @Test func crmEmptyCellsAreLeftOutNotSetToEmptyText() async throws {
        let csv = "customer_id,email,phone,city\n42,,  ,Paris\n"
        let (_, log) = try await runImport(csv, options: ImportOptions(kind: .crm))
        #expect(await log.events.first?.traits == ["city": "Paris"])
    }

    @Test func crmBooleansAreOnlyTheWordsTrueAndFalse() async throws {
        let csv = "customer_id,a,b,c,d\n42,false,TRUE,yes,1\n"
        let (_, log) = try await runImport(csv, options: ImportOptions(kind: .crm))
        #expect(await log.events.first?.traits == ["a": false, "b": true, "c": "yes", "d": "1"])
    }

    @Test func crmUpdatedAtBecomesTheEventTimestampAndIsNotATrait() async throws {
        let csv = "customer_id,updated_at,plan\n42,2026-03-02T10:15:00+01:00,pro\n43,,free\n"
        let (_, log) = try await runImport(csv, options: ImportOptions(kind: .crm))
        let events = await log.events
        #expect(events.map(\.timestamp) == [ts("2026-03-02T09:15:00Z"), importTime])
        #expect(events.map(\.traits) == [["plan": "pro"], ["plan": "free"]])
    }

    @Test func crmMessageIdIgnoresColumnOrderLineAndFileButNotValues() async throws {
        let log = MemoryLog()
        _ = try await runImport("customer_id,plan,city\n42,pro,Paris\n", options: ImportOptions(kind: .crm), log: log)
        let (again, _) = try await runImport(
            "city,customer_id,plan\n\n43,x,y\nParis,42,pro\n", name: "other.csv", options: ImportOptions(kind: .crm), log: log)
        #expect(again.accepted == 1)
        #expect(again.duplicates == 1)
        let (changed, _) = try await runImport("customer_id,plan,city\n42,pro,Lyon\n", options: ImportOptions(kind: .crm), log: log)
        #expect(changed.accepted == 1)
        let ids = await log.events.map(\.messageId)
        #expect(Set(ids).count == 3)
    }

    @Test func aTransactionRowBecomesOrderCompletedWithRevenue() async throws {
        let csv = "customer_id,order_id,date,amount,currency,channel\n42,A-1001,2026-04-03,129.90,EUR,web\n"
        let (report, log) = try await runImport(csv, options: ImportOptions(kind: .transactions))
        #expect(report.accepted == 1)
        let event = try #require(await log.events.first)
        #expect(
            event
                == Event(
                    messageId: "order:A-1001", source: "import:transactions", type: .track, userId: "42",
                    name: "Order Completed",
                    properties: ["order_id": "A-1001", "revenue": 129.9, "currency": "EUR", "channel": "web"],
                    timestamp: ts("2026-04-03T00:00:00Z"), receivedAt: importTime))
        #expect(event.properties.keys == ["order_id", "revenue", "currency", "channel"])
    }

    @Test func aTransactionWithoutCurrencyHasNoCurrencyProperty() async throws {
        let csv = "customer_id,order_id,date,amount\n42,7,2026-04-03T14:30:00Z,10\n"
        let (_, log) = try await runImport(csv, options: ImportOptions(kind: .transactions))
        let event = try #require(await log.events.first)
        #expect(event.properties == ["order_id": "7", "revenue": 10])
        #expect(event.timestamp == ts("2026-04-03T14:30:00Z"))
    }

    @Test func aLostRowBecomesAnIdentifyMarkingTheCustomerLostAndACustomerLostTrack() async throws {
        let csv = "customer_id,date,reason\n42,2026-02-10,moved abroad\n"
        let (report, log) = try await runImport(csv, options: ImportOptions(kind: .lost))
        #expect(report.accepted == 1)
        let events = await log.events
        #expect(events.count == 2)
        let identify = try #require(events.first)
        let track = try #require(events.last)
        let date = ts("2026-02-10")
        #expect(identify.type == .identify)
        #expect(identify.userId == "42")
        #expect(identify.source == "import:lost")
        #expect(identify.traits == ["lost": true, "lost_at": "2026-02-10T00:00:00.000Z", "lost_reason": "moved abroad"])
        #expect(identify.timestamp == date)
        #expect(track.type == .track)
        #expect(track.name == "Customer Lost")
        #expect(track.userId == "42")
        #expect(track.properties == ["reason": "moved abroad"])
        #expect(track.timestamp == date)
        #expect(track.receivedAt == importTime)
        let hash = String(identify.messageId.dropFirst("lost:".count).dropLast(":identify".count))
        #expect(hash.count == 32)
        #expect(identify.messageId == "lost:\(hash):identify")
        #expect(track.messageId == "lost:\(hash):track")
    }

    @Test func aLostRowWithoutReasonHasNoReason() async throws {
        let (_, log) = try await runImport("customer_id,date\n42,2026-02-10\n", options: ImportOptions(kind: .lost))
        let events = await log.events
        #expect(events.first?.traits == ["lost": true, "lost_at": "2026-02-10T00:00:00.000Z"])
        #expect(events.last?.properties == [:])
    }

    @Test func recordHashIsFNV1a128() {
        var empty = RecordHash()
        #expect(empty.hex == "6c62272e07bb014262b821756295c58d")
        empty.add(bytes: "a".utf8)
        #expect(empty.hex == "d228cb696f1a8caf78912b704e4a8964")
        var foobar = RecordHash()
        foobar.add(bytes: "foobar".utf8)
        #expect(foobar.hex == "343e1662793c64bf6f0d3597ba446f18")
    }
}

/// Rows that cannot become events are rejected with their line and what to fix; the import goes on.
struct RowValidationTests {
    private static let header = "customer_id,order_id,date,amount\n"

    private func rejections(_ rows: String, kind: ImportKind = .transactions) async throws -> [String] {
        let (report, _) = try await runImport(Self.header + rows, options: ImportOptions(kind: kind))
        return report.rejected.map(\.description)
    }

    @Test func aNonNumericAmount() async throws {
        #expect(try await rejections("42,1,2026-01-01,abc\n") == ["line 2: column 'amount' is 'abc', expected a number like 129.90"])
    }

    @Test func anAmountWithADecimalComma() async throws {
        #expect(
            try await rejections("42,1,2026-01-01,\"129,90\"\n")
                == ["line 2: column 'amount' is '129,90', expected a number like 129.90 (write the decimal separator as a dot)"])
    }

    @Test func anAmountWithACurrencySymbol() async throws {
        #expect(
            try await rejections("42,1,2026-01-01,€12\n")
                == ["line 2: column 'amount' is '€12', expected a number like 129.90 (no currency symbol: put the currency in its own column)"])
    }

    @Test func anUnparsableDate() async throws {
        #expect(
            try await rejections("42,1,03/01/2026,12\n")
                == ["line 2: column 'date' is '03/01/2026', expected an ISO 8601 date like 2024-03-01 or 2024-03-01T14:30:00Z"])
    }

    @Test func anEmptyRequiredCell() async throws {
        #expect(try await rejections(" ,1,2026-01-01,12\n") == ["line 2: column 'customer_id' is empty; fill it in"])
    }

    @Test func everyProblemOfARowIsListed() async throws {
        #expect(
            try await rejections(",,2026-13-01,x\n")
                == [
                    "line 2: column 'customer_id' is empty; fill it in; column 'order_id' is empty; fill it in; column 'date' is '2026-13-01', expected an ISO 8601 date like 2024-03-01 or 2024-03-01T14:30:00Z; column 'amount' is 'x', expected a number like 129.90"
                ])
    }

    @Test func aRaggedRow() async throws {
        #expect(
            try await rejections("42,1,2026-01-01\n")
                == ["line 2: the row has 3 cells but the header has 4 columns; quote cells that contain the delimiter, and check for missing or extra cells"])
    }

    @Test func rejectedRowsDoNotStopTheImport() async throws {
        let (report, log) = try await runImport(
            Self.header + "42,1,2026-01-01,x\n42,2,2026-01-02,5\n,3,2026-01-03,6\n43,4,2026-01-04,7\n",
            options: ImportOptions(kind: .transactions))
        #expect(report.rowsRead == 4)
        #expect(report.accepted == 2)
        #expect(report.rejectedCount == 2)
        #expect(report.rejected.map(\.line) == [2, 4])
        #expect(await log.events.map(\.messageId) == ["order:2", "order:4"])
    }

    @Test func aCellThatIsNotUTF8() async throws {
        let file = TempFile(name: "latin1.csv", bytes: Array("customer_id,city\n42,".utf8) + [0x4C, 0xE9, 0x6F, 0x0A])
        defer { file.remove() }
        let report = try await Importer(log: MemoryLog(), clock: ManualWallClock(importTime)).run(
            file: file.path, options: ImportOptions(kind: .crm))
        #expect(report.rejected == [RejectedRow(line: 2, reason: "column 'city' is not valid UTF-8 text; save the file as UTF-8 (in Excel: CSV UTF-8)")])
    }

    @Test func onlyTheFirstThousandRejectionsAreKept() async throws {
        let rows = String(repeating: "42,1,2026-01-01,x\n", count: 1200)
        let (report, _) = try await runImport(Self.header + rows, options: ImportOptions(kind: .transactions))
        #expect(report.rejectedCount == 1200)
        #expect(report.rejected.count == 1000)
        #expect(report.rejected.last?.line == 1001)
        #expect(report.summary.hasSuffix("\n  … and 200 more rejected rows not shown"))
    }
}
