import AerCore
import AerEngine
import AerMetrics
import AerStore
import HTTPTypes
import Logging
import Hummingbird
import NIOCore

/// `GET /metrics`: the daemon's metrics in the Prometheus text format, behind the admin token (the listener
/// also serves public ingest). What is waiting (outbox, engine lag, due timers) is read from the store per scrape.
struct MetricsRoutes: Sendable {
    let store: any Store
    let credentials: Credentials
    let clock: any WallClock
    let metrics: DaemonMetrics

    func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { request, context in
            try await AdminRoutes.guarded(request, credentials) { await scrape(logger: context.logger) }
        }
    }

    private func scrape(logger: Logger) async -> Response {
        do {
            let now = clock.now()
            let backlog = try await store.backlog(afterEvent: try await SegmentationRunner.committedCursor(in: store), now: now)
            let lag = backlog.oldestUnprocessedEvent.map { Duration.milliseconds(max(0, now.millis - $0.millis)) } ?? .zero
            metrics.backlog(
                outbox: Dictionary(uniqueKeysWithValues: backlog.outbox.map { ($0.key.rawValue, $0.value) }),
                engineLag: lag, timersDue: backlog.timersDue)
        } catch {
            logger.error("metrics: the store could not be read", metadata: ["error": "\(error)"])
            return JSONResponse.error(.serviceUnavailable, "the store could not be read for the outbox and engine figures; retry later")
        }
        return Response(
            status: .ok, headers: [.contentType: DaemonMetrics.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }
}
