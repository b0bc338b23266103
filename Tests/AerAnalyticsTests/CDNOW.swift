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
