import AerAutomation
import AerStore
import Testing

@Suite("Campaign report")
struct CampaignReportTests {
    @Test("rows count firings, sends, skips by reason, failures and holdouts per strategy and trigger")
    func counts() {
        let report = CampaignReport(outcomes: [
            FiringOutcome(strategy: "s", trigger: "t0", converted: true, statuses: ["sent": 1], skipReasons: [:]),
            FiringOutcome(strategy: "s", trigger: "t0", converted: false, statuses: ["skipped": 1], skipReasons: ["consent": 1]),
            FiringOutcome(strategy: "s", trigger: "t0", converted: false, statuses: ["dead": 1], skipReasons: [:]),
            FiringOutcome(strategy: "s", trigger: "t0", converted: true, statuses: ["held_out": 1], skipReasons: [:]),
            FiringOutcome(strategy: "other", trigger: "t1", converted: false, statuses: ["waiting": 2], skipReasons: [:]),
        ])
        #expect(report.rows.count == 2)
        let row = report.rows[0]
        #expect((row.fired, row.sent, row.failed, row.heldOut, row.skipped) == (4, 1, 1, 1, ["consent": 1]))
        #expect((row.treatment, row.treatmentConversions, row.control, row.controlConversions) == (1, 1, 1, 1))
        #expect(report.rows[1].pending == 2)
    }

    @Test("uplift is the difference of conversion rates with a 95% Wald interval")
    func uplift() throws {
        var outcomes: [FiringOutcome] = []
        for index in 0..<100 { outcomes.append(FiringOutcome(strategy: "s", trigger: "t", converted: index < 30, statuses: ["sent": 1], skipReasons: [:])) }
        for index in 0..<100 { outcomes.append(FiringOutcome(strategy: "s", trigger: "t", converted: index < 20, statuses: ["held_out": 1], skipReasons: [:])) }
        let uplift = try #require(CampaignReport(outcomes: outcomes).rows[0].uplift)
        #expect(abs(uplift.estimate - 0.10) < 1e-12)
        // sqrt(.3·.7/100 + .2·.8/100) = 0.06083; ±1.96 × that.
        #expect(abs(uplift.low - (0.10 - 1.96 * 0.0608276)) < 1e-6)
        #expect(abs(uplift.high - (0.10 + 1.96 * 0.0608276)) < 1e-6)
        #expect(CampaignReport(outcomes: Array(outcomes.prefix(100))).rows[0].uplift == nil)
    }
}
