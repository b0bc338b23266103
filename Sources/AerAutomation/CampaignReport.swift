public import AerStore
import Foundation

/// Per strategy and trigger: what fired, what was sent or skipped and why, and whether it worked —
/// conversions in the treatment group against the holdout group, with the uplift and its 95% interval.
public struct CampaignReport: Sendable {
    /// One strategy/trigger row.
    public struct Row: Sendable, Hashable {
        public var strategy: String
        public var trigger: String
        public var fired = 0
        public var sent = 0
        public var failed = 0
        public var heldOut = 0
        public var pending = 0
        public var skipped: [String: Int] = [:]
        /// Firings with at least one message sent, and how many of them converted.
        public var treatment = 0
        public var treatmentConversions = 0
        /// Held-out firings, and how many of them converted anyway.
        public var control = 0
        public var controlConversions = 0

        /// Conversion rate minus the control group's, with a 95% Wald interval; nil without both groups.
        public var uplift: (estimate: Double, low: Double, high: Double)? {
            guard treatment > 0, control > 0 else { return nil }
            let p1 = Double(treatmentConversions) / Double(treatment)
            let p2 = Double(controlConversions) / Double(control)
            let error = (p1 * (1 - p1) / Double(treatment) + p2 * (1 - p2) / Double(control)).squareRoot()
            return (p1 - p2, p1 - p2 - 1.96 * error, p1 - p2 + 1.96 * error)
        }

        public static func == (lhs: Row, rhs: Row) -> Bool {
            lhs.strategy == rhs.strategy && lhs.trigger == rhs.trigger && lhs.fired == rhs.fired && lhs.sent == rhs.sent
                && lhs.failed == rhs.failed && lhs.heldOut == rhs.heldOut && lhs.pending == rhs.pending && lhs.skipped == rhs.skipped
                && lhs.treatment == rhs.treatment && lhs.treatmentConversions == rhs.treatmentConversions && lhs.control == rhs.control
                && lhs.controlConversions == rhs.controlConversions
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(strategy)
            hasher.combine(trigger)
            hasher.combine(fired)
        }
    }

    public var rows: [Row]

    /// Aggregates firing outcomes into rows, in first-seen order.
    public init(outcomes: [FiringOutcome]) {
        var rows: [Row] = []
        var index: [String: Int] = [:]
        for outcome in outcomes {
            let key = outcome.strategy + "/" + outcome.trigger
            if index[key] == nil {
                index[key] = rows.count
                rows.append(Row(strategy: outcome.strategy, trigger: outcome.trigger))
            }
            let position = index[key]!
            rows[position].fired += 1
            rows[position].sent += outcome.statuses["sent"] ?? 0
            rows[position].failed += outcome.statuses["dead"] ?? 0
            rows[position].heldOut += outcome.statuses["held_out"] ?? 0
            rows[position].pending += (outcome.statuses["pending"] ?? 0) + (outcome.statuses["waiting"] ?? 0) + (outcome.statuses["sending"] ?? 0)
            for (reason, count) in outcome.skipReasons { rows[position].skipped[reason, default: 0] += count }
            if (outcome.statuses["sent"] ?? 0) > 0 {
                rows[position].treatment += 1
                if outcome.converted { rows[position].treatmentConversions += 1 }
            } else if (outcome.statuses["held_out"] ?? 0) > 0 {
                rows[position].control += 1
                if outcome.converted { rows[position].controlConversions += 1 }
            }
        }
        self.rows = rows
    }

    /// A plain-text table.
    public var table: String {
        guard !rows.isEmpty else { return "no trigger fired in this period" }
        var lines: [String] = []
        for row in rows {
            lines.append("\(row.strategy) / \(row.trigger): fired \(row.fired), sent \(row.sent), failed \(row.failed), held out \(row.heldOut), pending \(row.pending)")
            if !row.skipped.isEmpty {
                lines.append("  skipped: " + row.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            let treatment = row.treatment > 0 ? String(format: "%.1f%%", 100 * Double(row.treatmentConversions) / Double(row.treatment)) : "-"
            let control = row.control > 0 ? String(format: "%.1f%%", 100 * Double(row.controlConversions) / Double(row.control)) : "-"
            var line = "  conversions: treatment \(row.treatmentConversions)/\(row.treatment) (\(treatment)), holdout \(row.controlConversions)/\(row.control) (\(control))"
            if let uplift = row.uplift {
                line += String(format: ", uplift %+.1f pts (95%% CI %+.1f to %+.1f)", 100 * uplift.estimate, 100 * uplift.low, 100 * uplift.high)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
