import AerAnalytics
import Foundation

/// The CDNOW 1/10 sample (see Fixtures/README.md), loaded once.
enum CDNOW {
    static let customers: [CustomerSummary] = load()

    private static func load() -> [CustomerSummary] {
        guard
            let url = Bundle.module.url(
                forResource: "cdnow_customers_summary_with_transactions", withExtension: "csv", subdirectory: "Fixtures"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("the CDNOW fixture is missing from the test bundle") }
        var result: [CustomerSummary] = []
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 5, let x = Double(fields[1]), let tx = Double(fields[2]), let age = Double(fields[3]),
                let m = Double(fields[4])
            else { fatalError("bad CDNOW line: \(line)") }
            result.append(CustomerSummary(id: fields[0], frequency: x, recency: tx, age: age, monetaryValue: m))
        }
        return result
    }
}

/// Whether `value` rounds to `reference` at `digits` significant figures.
func agrees(_ value: Double, _ reference: Double, significantFigures digits: Int) -> Bool {
    let magnitude = (abs(reference)).rounded(.up) == 0 ? 0 : Int(log10(abs(reference)).rounded(.down))
    let unit = pow(10, Double(magnitude - digits + 1))
    return (value / unit).rounded() == (reference / unit).rounded()
}

/// |value − reference| ≤ tolerance · |reference|.
func close(_ value: Double, _ reference: Double, relative tolerance: Double) -> Bool {
    abs(value - reference) <= tolerance * abs(reference)
}

extension CDNOW {
    /// The transactions of sample customers 1–60 (see Fixtures/README.md).
    static let firstSixtyTransactions: [Transaction] = {
        guard
            let url = Bundle.module.url(forResource: "CDNOW_sample_first60", withExtension: "txt", subdirectory: "Fixtures"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("the CDNOW transactions fixture is missing from the test bundle") }
        return text.split(whereSeparator: \.isNewline).map { line in
            let f = line.split(separator: " ")
            guard f.count == 5, let id = Int(f[1]), let date = Int(f[2]), let amount = Double(f[4]) else {
                fatalError("bad CDNOW transaction line: \(line)")
            }
            return Transaction(
                customer: String(id), secondsSinceEpoch: secondsSinceEpoch(year: date / 10000, month: date / 100 % 100,
                                                                           day: date % 100), amount: amount)
        }
    }()

    /// Midnight UTC of a civil date (Howard Hinnant's days_from_civil).
    static func secondsSinceEpoch(year: Int, month: Int, day: Int) -> Double {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Double(era * 146_097 + doe - 719_468) * 86_400
    }
}
