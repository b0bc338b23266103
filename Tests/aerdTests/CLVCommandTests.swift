import AerCore
import Foundation
import Testing

@Suite("aerd clv fit")
struct CLVCommandTests {
    let cdnow = repositoryRoot + "/Tests/AerAnalyticsTests/Fixtures/cdnow_customers_summary_with_transactions.csv"

    @Test("fits BG/NBD and Gamma-Gamma on the CDNOW summary to the published parameters, and writes predictions")
    func cdnowSummary() throws {
        let predictions = try temporaryDirectory() + "/predictions.csv"
        let outcome = try aerd(["clv", "fit", "--summary", cdnow, "--predictions", predictions])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == """
            BG/NBD on 2357 customers: r = 0.2426, alpha = 4.414, a = 0.7929, b = 2.426, log-likelihood = -9582.4256
            Gamma-Gamma on 946 repeat buyers: p = 6.249, q = 3.745, gamma = 15.45, log-likelihood = -4055.9232

            """)
        let lines = try String(contentsOfFile: predictions, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2358)
        #expect(lines[0] == "id,p_alive,expected_purchases_52,expected_spend,clv")
    }

    @Test("transactions are summarised by period before fitting; bad rows name their line")
    func transactions() throws {
        let directory = try temporaryDirectory()
        var rows = ["customer_id,date,amount"]
        for customer in 0..<40 {
            for purchase in 0..<(customer % 4 + 1) {
                rows.append("c\(customer),2026-0\(1 + purchase * 2)-\(10 + customer % 15),\(20 + customer)")
            }
        }
        try rows.joined(separator: "\n").write(toFile: directory + "/orders.csv", atomically: true, encoding: .utf8)
        let outcome = try aerd(["clv", "fit", "--transactions", directory + "/orders.csv", "--end", "2026-09-01", "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let fitted = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        #expect((fitted?["bgnbd"] as? [String: Any])?["customers"] as? Double == 40)

        try "customer_id,date,amount\nc1,yesterday,12\n".write(toFile: directory + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = try aerd(["clv", "fit", "--transactions", directory + "/bad.csv"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.csv:2: needs a customer, an ISO 8601 date and a numeric amount"))
        #expect(try aerd(["clv", "fit"]).status == 64)
    }
}

@Suite("aerd clv refit")
struct CLVRefitCommandTests {
    @Test("a store with too few purchases records no fit: the reason is printed and the exit status is 1")
    func tooLittleData() throws {
        let state = try temporaryDirectory()
        let outcome = try aerd(["clv", "refit", "--config", repositoryRoot + "/config", "--state", state])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("aerd clv refit: BG/NBD needs at least 10 customers"))
        #expect(outcome.stderr.contains("the previous fit stays in use"))
    }

    @Test("imported transactions are fitted and the fit is recorded; json shows parameters, data size and stage values")
    func importedTransactions() throws {
        let state = try temporaryDirectory()
        // 400 CDNOW customers as transactions: each one's (x, t_x, T) in weeks, repeat purchases evenly spaced.
        let summary = try String(contentsOfFile: repositoryRoot + "/Tests/AerAnalyticsTests/Fixtures/cdnow_customers_summary_with_transactions.csv", encoding: .utf8)
        let end = try #require(Timestamp(iso8601: "2026-11-01T12:00:00Z"))
        let week = 7 * 86_400_000.0
        var rows = ["customer_id,order_id,date,amount"]
        for (index, line) in summary.split(whereSeparator: \.isNewline).dropFirst().prefix(400).enumerated() {
            let fields = line.split(separator: ",").map { Double($0) ?? 0 }
            let (repeats, last, age, spend) = (Int(fields[1]), fields[2], fields[3], max(fields[4], 10))
            let birth = end.millis - Int64(age * week)
            rows.append("c\(index),o\(index)-0,\(Timestamp(millis: birth).iso8601),\(spend)")
            for purchase in stride(from: 1, through: repeats, by: 1) {
                let at = birth + Int64(last * week * Double(purchase) / Double(repeats))
                rows.append("c\(index),o\(index)-\(purchase),\(Timestamp(millis: at).iso8601),\(spend)")
            }
        }
        try rows.joined(separator: "\n").write(toFile: state + "/orders.csv", atomically: true, encoding: .utf8)
        let imported = try aerd(["import", "--config", repositoryRoot + "/config", "--state", state, "--kind", "transactions", state + "/orders.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let outcome = try aerd(["clv", "refit", "--config", repositoryRoot + "/config", "--state", state, "--format", "json"])
        #expect(outcome.status == 0, "\(outcome.stderr) \(imported.stdout)")
        let fit = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(fit["fit"] as? Double == 1)
        #expect(fit["purchases"] as? Double == Double(rows.count - 1))
        #expect((fit["bgnbd"] as? [String: Any])?["customers"] as? Double == 400)
        #expect(fit["stageValues"] is [String: Any])
        let table = try aerd(["clv", "refit", "--config", repositoryRoot + "/config", "--state", state])
        #expect(table.status == 0)
        #expect(table.stdout.hasPrefix("fit 2 recorded at "))
    }
}
