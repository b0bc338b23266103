import AerAnalytics
import AerConfig
import AerCore
import AerJSON
import AerStore
import AerValuation
import ArgumentParser

/// `aerd clv refit`: fits the models on the store's purchases now and records the fit; a running daemon adopts
/// it within a second and re-evaluates the rules that read predictions.
struct CLVRefit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refit",
        abstract: "Fit BG/NBD and Gamma-Gamma on the store's purchases now and record the fit (a running daemon adopts it).",
        discussion: """
            Purchases are Order Completed events with a numeric revenue (else total) property, imported
            transactions included. period, horizon, discount_rate and margin come from analytics: in aerd.yaml.
            When the data cannot support a fit the previous fit stays in use and the command exits 1.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("State directory (overrides state_dir).", valueName: "dir"))
    var state: String?

    @Option(help: "table or json.") var format: CLVFit.Format = .table

    func run() async throws {
        let configuration = try options.load()
        let store = try ReportWindow.openStore(configuration, state: state)
        let outcome: ModelRefit.Outcome
        do {
            outcome = try await ModelRefit(settings: ModelRefit.Settings(configuration.analytics), lifecycles: configuration.lifecycles)
                .run(store: store, now: SystemWallClock().now())
        } catch let error as AnalyticsError {
            try await store.close()
            printError("aerd clv refit: \(error.message); the previous fit stays in use")
            throw SysExit.failure
        }
        try await store.close()
        for (set, reason) in outcome.unvaluedSets.sorted(by: { $0.key < $1.key }) {
            printError("aerd clv refit: lifecycle set '\(set)' has no stage values in this fit (\(reason)); its migrations carry no value at stake")
        }
        let fit = outcome.fit
        let purchases = fit.valuation.purchases
        let spend = fit.valuation.spend
        switch format {
        case .table:
            print("fit \(fit.id) recorded at \(fit.fittedAt.iso8601) from \(fit.purchases) purchases (period \(fit.valuation.period.rawValue), horizon \(fit.horizon))")
            print(CLVFit.describe(purchases, spend, customers: purchases.customers, repeatBuyers: spend.customers, format: .table))
            for set in configuration.lifecycles {
                guard let values = fit.stageValues[set.id] else { continue }
                print("\nstage values of '\(set.id)' (Markov chain, what a customer in the stage is worth):")
                for stage in set.stages {
                    guard let value = values[stage.id] else { continue }
                    print("  " + stage.id.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%12.2f", value))
                }
            }
        case .json:
            var object = CLVFit.json(purchases, spend, customers: purchases.customers, repeatBuyers: spend.customers)
            object["fit"] = .number(Double(fit.id))
            object["fittedAt"] = .string(fit.fittedAt.iso8601)
            object["purchases"] = .number(Double(fit.purchases))
            object["period"] = .string(fit.valuation.period.rawValue)
            object["horizon"] = .string(fit.horizon.description)
            object["stageValues"] = .object(JSONObject(fit.stageValues.sorted { $0.key < $1.key }.map { set, values in
                (set, JSONValue.object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number($0.value)) })))
            }))
            print(JSONWriter.string(.object(object), pretty: true))
        }
    }
}

extension ModelRefit.Settings {
    /// The settings of `analytics:` in aerd.yaml, with the defaults for what it leaves out.
    /// - Parameter analytics: The section, nil when absent.
    init(_ analytics: AnalyticsSettings?) {
        let defaults = ModelRefit.Settings()
        self.init(
            period: analytics?.period.flatMap { Period(rawValue: $0.rawValue) } ?? defaults.period,
            horizon: analytics?.horizon ?? defaults.horizon,
            yearlyDiscountRate: analytics?.discountRate ?? defaults.yearlyDiscountRate,
            margin: analytics?.margin ?? defaults.margin)
    }
}
