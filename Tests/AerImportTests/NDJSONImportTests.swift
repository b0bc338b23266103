import AerCore
import AerJSON
import Testing
@testable import AerImport

/// NDJSON: one object per line, JSON types kept, dotted paths in `--map`.
struct NDJSONImportTests {
    @Test func crmTraitsKeepTheirJSONTypes() async throws {
        let line = #"{"customer_id": 42, "vip": true, "visits": 1, "score": 0.5, "tags": ["a", 1], "address": {"city": "Paris"}, "nickname": null, "note": ""}"#
        let (report, log) = try await runImport(line + "\n", name: "people.ndjson", options: ImportOptions(kind: .crm))
        #expect(report.accepted == 1)
        let event = try #require(await log.events.first)
        #expect(event.userId == "42")
        #expect(event.traits == ["vip": true, "visits": 1, "score": 0.5, "tags": ["a", 1], "address": ["city": "Paris"]])
        #expect(event.traits["visits"] == .number(1))
        #expect(event.traits["vip"] == .bool(true))
    }

    @Test func zeroAndOneStayNumbersAndFalseStaysABoolean() throws {
        let object = try Array(#"{"zero": 0, "one": 1, "no": false, "yes": true}"#.utf8).withUnsafeBytes { try parseJSONLine($0) }
        #expect(object["zero"] == .number(0))
        #expect(object["one"] == .number(1))
        #expect(object["no"] == .bool(false))
        #expect(object["yes"] == .bool(true))
    }

    @Test func blankLinesAreSkippedAndLineNumbersArePhysical() async throws {
        let text = """
            {"customer_id": "1", "order_id": "A", "date": "2026-01-01", "amount": 5}

              \t
            {"customer_id": "2", "order_id": "B", "date": "2026-01-02", "amount": "x"}\r
            {"customer_id": "3", "order_id": "C", "date": "2026-01-03", "amount": "7.25", "currency": "EUR"}
            """
        let (report, log) = try await runImport(text, name: "orders.jsonl", options: ImportOptions(kind: .transactions))
        #expect(report.rowsRead == 3)
        #expect(report.rejected == [RejectedRow(line: 4, reason: "key 'amount' is 'x', expected a number like 129.90")])
        #expect(await log.events.map(\.properties) == [["order_id": "A", "revenue": 5], ["order_id": "C", "revenue": 7.25, "currency": "EUR"]])
    }

    @Test func aLineThatIsNotAnObjectIsRejected() async throws {
        let text = "[1, 2]\n\"text\"\n{\"customer_id\": \"1\", \"date\": \"2026-01-01\"}\n{broken\n"
        let (report, log) = try await runImport(text, name: "lost.ndjson", options: ImportOptions(kind: .lost))
        #expect(report.accepted == 1)
        #expect(report.rejected.map(\.line) == [1, 2, 4])
        #expect(report.rejected[0].reason == "the line is an array, expected one JSON object per line like {\"customer_id\": \"42\", …}")
        #expect(report.rejected[1].reason == "the line is a string, expected one JSON object per line like {\"customer_id\": \"42\", …}")
        #expect(report.rejected[2].reason.hasPrefix("the line is not valid JSON ("))
        #expect(await log.events.count == 2)
    }

    @Test func aMissingKeyOrAWrongTypeIsRejected() async throws {
        let text = """
            {"order_id": "A", "date": "2026-01-01", "amount": 5}
            {"customer_id": {"id": 1}, "order_id": "B", "date": 20260101, "amount": -3}
            """
        let (report, _) = try await runImport(text, name: "orders.ndjson", options: ImportOptions(kind: .transactions))
        #expect(
            report.rejected.map(\.description) == [
                "line 1: key 'customer_id' is missing; every transactions record needs one",
                "line 2: key 'customer_id' is an object, expected text or a number; key 'date' is a number, expected an ISO 8601 date string like \"2024-03-01\" or \"2024-03-01T14:30:00Z\"; key 'amount' is -3, expected a number of 0 or more like 129.90",
            ])
    }

    @Test func mapAcceptsDottedPaths() async throws {
        let text = #"{"user": {"id": "u1"}, "order": {"number": 1001, "total": 12.5}, "date": "2026-01-01", "coupon": "X"}"#
        let options = ImportOptions(kind: .transactions, mapping: ["customer_id": "user.id", "order_id": "order.number", "amount": "order.total"])
        let (_, log) = try await runImport(text, name: "orders.ndjson", options: options)
        let event = try #require(await log.events.first)
        #expect(event.userId == "u1")
        #expect(event.messageId == "order:1001")
        #expect(event.properties["revenue"] == 12.5)
        #expect(event.properties["coupon"] == "X")
    }

    @Test func formatComesFromTheExtensionOrTheOption() async throws {
        #expect(ImportFormat(fileExtensionOf: "/x/a.CSV") == .csv)
        #expect(ImportFormat(fileExtensionOf: "a.jsonl") == .ndjson)
        #expect(ImportFormat(fileExtensionOf: "a.ndjson") == .ndjson)
        #expect(ImportFormat(fileExtensionOf: "a.txt") == nil)
        #expect(ImportFormat(fileExtensionOf: ".csv") == nil)
        let options = ImportOptions(kind: .lost, format: .ndjson)
        let (report, _) = try await runImport(#"{"customer_id": "1", "date": "2026-01-01"}"#, name: "export.txt", options: options)
        #expect(report.accepted == 1)
    }

    @Test func anUnknownExtensionWithoutFormatIsAnError() async throws {
        let failure = try #require(await importError("x", name: "export.txt", options: ImportOptions(kind: .crm)))
        #expect(failure.error.code == .unknownFormat)
        #expect(
            failure.text
                == "cannot tell the format of export.txt from its extension; name it .csv, .ndjson or .jsonl, or pass --format csv or --format ndjson")
    }
}
