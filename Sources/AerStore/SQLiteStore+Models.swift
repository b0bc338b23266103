import AerAnalytics
import AerCore
import AerJSON
import GRDB

extension SQLiteStore {
    /// Purchases as `Event.purchaseAmount` defines them: a JSON number in `revenue`, else in `total`.
    private static let purchaseSelect = """
        SELECT profile_id, timestamp, amount FROM (
            SELECT seq, profile_id, timestamp, CASE
                WHEN json_type(body, '$.properties.revenue') IN ('integer', 'real') THEN json_extract(body, '$.properties.revenue')
                WHEN json_type(body, '$.properties.total') IN ('integer', 'real') THEN json_extract(body, '$.properties.total')
                END AS amount
            FROM events WHERE type = 'track' AND name = 'Order Completed' %@
        ) WHERE amount IS NOT NULL ORDER BY seq
        """

    private static func purchase(_ row: Row) -> Purchase {
        Purchase(profileId: row["profile_id"], at: Timestamp(millis: row["timestamp"]), amount: row["amount"])
    }

    public func purchases() async throws -> [Purchase] {
        try await reading { db in
            try Row.fetchAll(db, sql: Self.purchaseSelect.replacingOccurrences(of: "%@", with: "")).map(Self.purchase)
        }
    }

    public func purchases(ofProfile profileId: Int64) async throws -> [Purchase] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: Self.purchaseSelect.replacingOccurrences(of: "%@", with: "AND profile_id = ?"), arguments: [profileId]
            ).map(Self.purchase)
        }
    }

    @discardableResult
    public func recordModelFit(_ fit: ModelFit) async throws -> Int64 {
        try await writing { db in
            let purchases = fit.valuation.purchases
            let spend = fit.valuation.spend
            let stageValues = JSONValue.object(JSONObject(fit.stageValues.sorted { $0.key < $1.key }.map { set, values in
                (set, JSONValue.object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number($0.value)) })))
            }))
            try db.execute(
                sql: """
                    INSERT INTO model_fits (fitted_at, period, horizon, discount_rate, margin, customers, repeat_buyers, purchases,
                        r, alpha, a, b, bgnbd_log_likelihood, p, q, gamma, gamma_gamma_log_likelihood, stage_values)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    fit.fittedAt.millis, fit.valuation.period.rawValue, fit.horizon.millis, fit.valuation.yearlyDiscountRate,
                    fit.valuation.margin, purchases.customers, spend.customers, fit.purchases,
                    purchases.r, purchases.alpha, purchases.a, purchases.b, purchases.logLikelihood,
                    spend.p, spend.q, spend.gamma, spend.logLikelihood, JSONWriter.string(stageValues),
                ])
            return db.lastInsertedRowID
        }
    }

    public func latestModelFit() async throws -> ModelFit? {
        try await modelFits(limit: 1).first
    }

    public func latestModelFitId() async throws -> Int64? {
        try await reading { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM model_fits") }
    }

    public func modelFits(limit: Int) async throws -> [ModelFit] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model_fits ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.modelFit)
        }
    }

    private static func modelFit(_ row: Row) throws -> ModelFit {
        let id: Int64 = row["id"]
        do {
            let horizon = AerDuration(millis: row["horizon"])
            guard let period = Period(rawValue: row["period"]) else {
                throw AnalyticsError(.invalidParameter, "unknown period '\(row["period"] as String)'")
            }
            let valuation = try CustomerValuation(
                purchases: try BGNBDModel(
                    r: row["r"], alpha: row["alpha"], a: row["a"], b: row["b"],
                    fittedLogLikelihood: row["bgnbd_log_likelihood"], customers: row["customers"]),
                spend: try GammaGammaModel(
                    p: row["p"], q: row["q"], gamma: row["gamma"],
                    fittedLogLikelihood: row["gamma_gamma_log_likelihood"], customers: row["repeat_buyers"]),
                period: period, horizonSeconds: Double(horizon.millis) / 1000, yearlyDiscountRate: row["discount_rate"],
                margin: row["margin"])
            var stageValues: [String: [String: Double]] = [:]
            for (set, values) in (try? JSONParser.parse(row["stage_values"] as String))?.objectValue ?? [:] {
                for (stage, value) in values.objectValue ?? [:] {
                    if let number = value.numberValue { stageValues[set, default: [:]][stage] = number }
                }
            }
            return ModelFit(
                id: id, fittedAt: Timestamp(millis: row["fitted_at"]), horizon: horizon, valuation: valuation,
                purchases: row["purchases"], stageValues: stageValues)
        } catch {
            throw StoreError(.io, "model fit \(id) in the store is unreadable (\(error)); run aerd clv refit to record a new one")
        }
    }
}
