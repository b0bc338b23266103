import AerAnalytics
import AerCore
import AerStore
@testable import AerValuation
import Logging
import ServiceLifecycle
import Testing

@Suite("Refitting the customer-value models on the store")
struct ModelRefitTests {
    @Test("a refit records the parameters a fit of the same purchases gives, with its settings and data size")
    func refitMatchesStandaloneFit() async throws {
        let store = try temporaryStore()
        let orders = syntheticOrders(customers: 300)
        _ = try await store.append(orders)
        // A refund-free order with its amount in `total` counts; an order without a numeric amount does not.
        _ = try await store.append([
            Event(messageId: "t1", source: "web", type: .track, userId: "c0", name: "Order Completed", properties: ["total": 40],
                  timestamp: observationStart + .days(360), receivedAt: fitTime),
            Event(messageId: "t2", source: "web", type: .track, userId: "c0", name: "Order Completed", properties: ["revenue": "40"],
                  timestamp: observationStart + .days(361), receivedAt: fitTime),
        ])
        let settings = ModelRefit.Settings(period: .day, horizon: .weeks(52), yearlyDiscountRate: 0.1, margin: 0.4)
        let recorded = try await ModelRefit(settings: settings).run(store: store, now: fitTime).fit

        let withTotal = transactions(orders) + [Transaction(customer: "c0", secondsSinceEpoch: Double((observationStart + .days(360)).millis) / 1000, amount: 40)]
        let summaries = try Summaries.fromTransactions(withTotal, period: .day, observationEnd: Double(fitTime.millis) / 1000)
        let bgnbd = try BGNBDModel.fit(summaries)
        let spend = try GammaGammaModel.fit(summaries)

        let stored = try #require(try await store.latestModelFit())
        #expect(stored.id == recorded.id)
        #expect(stored.fittedAt == fitTime)
        #expect(stored.purchases == orders.count + 1)
        #expect(stored.horizon == .weeks(52) && stored.valuation.period == .day && stored.valuation.margin == 0.4)
        let purchases = stored.valuation.purchases
        #expect(purchases.customers == summaries.count)
        #expect(agree(purchases.r, bgnbd.r) && agree(purchases.alpha, bgnbd.alpha) && agree(purchases.a, bgnbd.a) && agree(purchases.b, bgnbd.b))
        #expect(agree(purchases.logLikelihood, bgnbd.logLikelihood))
        let fittedSpend = stored.valuation.spend
        #expect(fittedSpend.customers == summaries.filter { $0.frequency > 0 }.count)
        #expect(agree(fittedSpend.p, spend.p) && agree(fittedSpend.q, spend.q) && agree(fittedSpend.gamma, spend.gamma))
        #expect(agree(fittedSpend.logLikelihood, spend.logLikelihood))
    }

    @Test("a refit the data cannot support records nothing and keeps the previous fit")
    func failedRefitKeepsPrevious() async throws {
        let store = try temporaryStore()
        let refit = ModelRefit(settings: .init())
        _ = try await store.append(syntheticOrders(customers: 300))
        let first = try await refit.run(store: store, now: fitTime).fit

        // Observed before any purchase there is nobody to fit: the error says so, the first fit stays the latest.
        await #expect(throws: AnalyticsError.self) { try await refit.run(store: store, now: observationStart - .days(1)) }
        #expect(try await store.latestModelFitId() == first.id)
        #expect(try await store.modelFits(limit: 10).count == 1)
    }

    @Test("the schedule: at once without a fit, then an interval after the later of the last fit and the last attempt")
    func schedule() {
        #expect(RefitService.due(latestFit: nil, lastAttempt: nil, interval: .days(1)) == nil)
        #expect(RefitService.due(latestFit: fitTime, lastAttempt: nil, interval: .days(1)) == fitTime + .days(1))
        #expect(RefitService.due(latestFit: fitTime, lastAttempt: fitTime + .hours(5), interval: .days(1)) == fitTime + .hours(29))
    }

    @Test("the service fits at start when the latest fit is older than the interval, then again an interval later")
    func serviceFitsOnSchedule() async throws {
        let store = try temporaryStore()
        _ = try await store.append(syntheticOrders(customers: 300))
        let clock = ManualWallClock(fitTime)
        let wakeup = Wakeup()
        let (fits, continuation) = AsyncStream.makeStream(of: ModelFit.self)
        let service = RefitService(
            store: store, refit: ModelRefit(settings: .init()), interval: .days(1), clock: clock, logger: Logger(label: "test"),
            wakeup: wakeup, fitted: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            var iterator = fits.makeAsyncIterator()
            let first = try #require(await iterator.next())
            #expect(first.fittedAt == fitTime)
            clock.advance(by: .days(1))
            wakeup.signal()
            let second = try #require(await iterator.next())
            #expect(second.fittedAt == fitTime + .days(1))
            #expect(try await store.latestModelFitId() == second.id)
            group.cancelAll()
        }
    }
}
