import AerAnalytics
import AerCore
import AerImport
import AerJSON
public import ArgumentParser
import Foundation

extension Period: ExpressibleByArgument {}

/// `aerd clv …`: customer-value models.
struct CLVCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv", abstract: "Customer-value models: BG/NBD purchases, Gamma-Gamma spend, lifetime value.",
        subcommands: [CLVFit.self, CLVRefit.self])
}

/// A row of a model input file that cannot be read, with its file and line.
struct InputProblem: Error, CustomStringConvertible {
    var description: String
}

/// `aerd clv fit`: fits BG/NBD and Gamma-Gamma on a file, standalone (no store, no daemon).
struct CLVFit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit BG/NBD and Gamma-Gamma on transactions or on a per-customer summary; print parameters and log-likelihoods.",
        discussion: """
            --transactions FILE.csv: one row per purchase (customer, date, amount); purchases in the same period
            count once. --summary FILE.csv: one row per customer with x (repeat purchases), t_x (time of the
            last purchase), T (age) and the average repeat spend, in periods.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Option(help: ArgumentHelp("A transactions CSV (header row).", valueName: "file")) var transactions: String?
    @Option(help: ArgumentHelp("A per-customer summary CSV (header row).", valueName: "file")) var summary: String?
    @Option(help: "Transactions: the customer column.") var customer = "customer_id"
    @Option(help: "Transactions: the date column (ISO 8601).") var date = "date"
    @Option(help: "Transactions: the amount column.") var amount = "amount"
    @Option(help: "Transactions: the model's time unit.") var period: Period = .week
    @Option(help: ArgumentHelp("Transactions: end of the observation window (default: the last purchase).", valueName: "date")) var end: String?
    @Option(help: "Summary: the id column.") var id = "ID"
    @Option(help: "Summary: the repeat-purchases column.") var frequency = "x"
    @Option(help: "Summary: the last-purchase-time column.") var recency = "t_x"
    @Option(help: "Summary: the age column.") var age = "T"
    @Option(help: "Summary: the average-repeat-spend column (optional: without it no spend model is fitted).") var monetary = "zbar"
    @Option(help: ArgumentHelp("Write per-customer predictions (P(alive), expected purchases, expected spend, CLV) to this CSV.", valueName: "file"))
    var predictions: String?
    @Option(help: "Predictions: periods ahead for expected purchases and CLV.") var horizon = 52
    @Option(help: "Predictions: discount rate per period.") var discount = 0.0
    @Option(help: "Predictions: margin, the fraction of spend kept.") var margin = 1.0
    @Option(help: "table or json.") var format: Format = .table

    func validate() throws {
        guard (transactions == nil) != (summary == nil) else {
            throw ValidationError("give exactly one of --transactions FILE or --summary FILE")
        }
        if let end, Timestamp(iso8601: end) == nil { throw ValidationError("--end '\(end)' is not an ISO 8601 date like 2026-11-24") }
        guard horizon > 0, discount >= 0, (0...1).contains(margin) else {
            throw ValidationError("--horizon must be > 0, --discount ≥ 0 and --margin between 0 and 1")
        }
    }

    func run() async throws {
        let customers: [CustomerSummary]
        do {
            customers = try load()
        } catch let error as ImportError {
            printError("aerd clv fit: \(error)")
            throw SysExit.failure
        } catch let error as InputProblem {
            printError("aerd clv fit: \(error)")
            throw SysExit.failure
        }
        do {
            let purchases = try BGNBDModel.fit(customers)
            let repeatBuyers = customers.filter { $0.frequency > 0 && $0.monetaryValue > 0 }
            let spend = repeatBuyers.count >= GammaGammaModel.minimumRepeatBuyers ? try GammaGammaModel.fit(customers) : nil
            report(purchases, spend, customers: customers.count, repeatBuyers: repeatBuyers.count)
            if let predictions { try write(predictions, customers, purchases, spend) }
        } catch let error as AnalyticsError {
            printError("aerd clv fit: \(error)")
            throw SysExit.failure
        }
    }

    private func load() throws -> [CustomerSummary] {
        if let summary {
            let table = try CSVTable.read(path: summary)
            let columns = (try table.column(id, option: "--id"), try table.column(frequency, option: "--frequency"),
                           try table.column(recency, option: "--recency"), try table.column(age, option: "--age"))
            let money = table.header.firstIndex(of: monetary)
            return try table.rows.map { row in
                func number(_ index: Int, _ name: String) throws -> Double {
                    guard index < row.cells.count, let value = Double(row.cells[index]), value.isFinite else {
                        throw InputProblem(description: "\(summary):\(row.line): '\(name)' must be a number")
                    }
                    return value
                }
                return CustomerSummary(
                    id: row.cells[columns.0], frequency: try number(columns.1, frequency), recency: try number(columns.2, recency),
                    age: try number(columns.3, age), monetaryValue: try money.map { try number($0, monetary) } ?? 0)
            }
        }
        let path = transactions!
        let table = try CSVTable.read(path: path)
        let columns = (try table.column(customer, option: "--customer"), try table.column(date, option: "--date"),
                       try table.column(amount, option: "--amount"))
        let purchases: [Transaction] = try table.rows.map { row in
            guard row.cells.count == table.header.count, let instant = Timestamp(iso8601: row.cells[columns.1]),
                let value = Double(row.cells[columns.2]), value.isFinite
            else {
                throw InputProblem(description: "\(path):\(row.line): needs a customer, an ISO 8601 date and a numeric amount")
            }
            return Transaction(customer: row.cells[columns.0], secondsSinceEpoch: Double(instant.millis) / 1000, amount: value)
        }
        let last = purchases.map { $0.secondsSinceEpoch }.max() ?? 0
        let observationEnd = end.flatMap { Timestamp(iso8601: $0) }.map { Double($0.millis) / 1000 } ?? last
        do {
            return try Summaries.fromTransactions(purchases, period: period, observationEnd: observationEnd)
        } catch {
            throw InputProblem(description: "\(path): \(error)")
        }
    }

    private func report(_ purchases: BGNBDModel, _ spend: GammaGammaModel?, customers: Int, repeatBuyers: Int) {
        print(Self.describe(purchases, spend, customers: customers, repeatBuyers: repeatBuyers, format: format))
    }

    /// The fitted parameters and log-likelihoods as a table or JSON.
    static func describe(_ purchases: BGNBDModel, _ spend: GammaGammaModel?, customers: Int, repeatBuyers: Int, format: Format) -> String {
        switch format {
        case .table:
            let bgnbd = "BG/NBD on \(customers) customers: r = \(sig(purchases.r)), alpha = \(sig(purchases.alpha)), a = \(sig(purchases.a)), b = \(sig(purchases.b)), log-likelihood = \(String(format: "%.4f", purchases.logLikelihood))"
            guard let spend else {
                return bgnbd + "\nGamma-Gamma: not fitted (\(repeatBuyers) repeat buyers with spend; at least \(GammaGammaModel.minimumRepeatBuyers) needed)"
            }
            return bgnbd + "\nGamma-Gamma on \(repeatBuyers) repeat buyers: p = \(sig(spend.p)), q = \(sig(spend.q)), gamma = \(sig(spend.gamma)), log-likelihood = \(String(format: "%.4f", spend.logLikelihood))"
        case .json:
            return JSONWriter.string(.object(json(purchases, spend, customers: customers, repeatBuyers: repeatBuyers)), pretty: true)
        }
    }

    /// The fitted parameters and log-likelihoods as a JSON object.
    static func json(_ purchases: BGNBDModel, _ spend: GammaGammaModel?, customers: Int, repeatBuyers: Int) -> JSONObject {
        var object: JSONObject = [
            "bgnbd": ["customers": .number(Double(customers)), "r": .number(purchases.r), "alpha": .number(purchases.alpha),
                      "a": .number(purchases.a), "b": .number(purchases.b), "logLikelihood": .number(purchases.logLikelihood)],
        ]
        if let spend {
            object["gammaGamma"] = ["customers": .number(Double(repeatBuyers)), "p": .number(spend.p), "q": .number(spend.q),
                                    "gamma": .number(spend.gamma), "logLikelihood": .number(spend.logLikelihood)]
        }
        return object
    }

    private func write(_ path: String, _ customers: [CustomerSummary], _ purchases: BGNBDModel, _ spend: GammaGammaModel?) throws {
        let calculator = try spend.map { try CLVCalculator(purchases: purchases, spend: $0) }
        var lines = ["id,p_alive,expected_purchases_\(horizon),expected_spend,clv"]
        for customer in customers {
            let alive = purchases.probabilityAlive(frequency: customer.frequency, recency: customer.recency, age: customer.age)
            let expected = purchases.expectedPurchases(in: Double(horizon), frequency: customer.frequency, recency: customer.recency, age: customer.age)
            let average = spend?.expectedAverageSpend(frequency: customer.frequency, monetaryValue: customer.monetaryValue)
            let clv = try calculator?.customerLifetimeValue(of: customer, steps: horizon, discountRatePerStep: discount, margin: margin)
            lines.append([customer.id, fmt(alive), fmt(expected), average.map(fmt) ?? "", clv.map(fmt) ?? ""].joined(separator: ","))
        }
        do {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            printError("aerd clv fit: cannot write '\(path)': \(error.localizedDescription)")
            throw SysExit.failure
        }
    }

    private static func sig(_ value: Double) -> String { String(format: "%.4g", value) }
    private func fmt(_ value: Double) -> String { String(format: "%.6f", value) }
}
