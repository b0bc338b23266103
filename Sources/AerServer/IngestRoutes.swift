import AerCore
import AerIngest
import AerJSON
import AerMetrics
import CompressNIO
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Segment Tracking API: `/v1/identify|track|page|screen|group|alias|batch` (and analytics.js's short
/// forms). An event is answered 200 only after its transaction has committed.
struct IngestRoutes: Sendable {
    let log: any EventLog
    let clock: any WallClock
    let credentials: Credentials
    let maxBodyBytes: Int
    let afterCommit: @Sendable () -> Void
    let metrics: DaemonMetrics
    let messages = SegmentMessages()

    func register(on router: Router<BasicRequestContext>) {
        let single: [(String, EventType)] = [
            ("identify", .identify), ("track", .track), ("page", .page), ("screen", .screen), ("group", .group),
            ("alias", .alias), ("i", .identify), ("t", .track), ("p", .page), ("s", .screen), ("g", .group), ("a", .alias),
        ]
        for (path, type) in single {
            router.post("/v1/\(path)") { request, context in
                await handle(request, context: context, type: type)
            }
        }
        for path in ["batch", "b", "import"] {
            router.post("/v1/\(path)") { request, context in
                await handle(request, context: context, type: nil)
            }
        }
    }

    /// Handles one ingest request and counts it; `type` nil means a batch.
    private func handle(_ request: Request, context: BasicRequestContext, type: EventType?) async -> Response {
        var received = 0
        let (response, outcome) = await ingest(request, context: context, type: type, received: &received)
        metrics.ingestRequest(type: type, outcome: outcome, bytes: received)
        return response
    }

    /// Answers one ingest request; `received` is set to the body's size once it has been read.
    private func ingest(_ request: Request, context: BasicRequestContext, type: EventType?, received: inout Int) async -> (Response, IngestOutcome) {
        let receivedAt = clock.now()
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return (tooLarge(), .tooLarge)
        }
        received = body.readableBytes
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" else {
                return (JSONResponse.error(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported; send gzip or no encoding"), .invalid)
            }
            do {
                body = try body.decompress(with: .gzip(), maxSize: maxBodyBytes)
                // The decompressor's limit is approximate (buffers round up); enforce the exact cap.
                if body.readableBytes > maxBodyBytes { return (tooLarge(), .tooLarge) }
            } catch let error as CompressNIOError where error == .bufferOverflow {
                return (tooLarge(), .tooLarge)
            } catch {
                return (JSONResponse.error(.badRequest, "the body is not valid gzip data (Content-Encoding: gzip)"), .invalid)
            }
        }
        let limit = type == nil ? SegmentMessages.maxBatchBytes : SegmentMessages.maxMessageBytes
        if body.readableBytes > limit {
            let what = type == nil ? "batch" : "message"
            return (JSONResponse.error(.badRequest, "the \(what) is \(body.readableBytes) bytes; the limit is \(limit / 1024) KB per \(what)"), .invalid)
        }
        let parsed: JSONValue
        do {
            parsed = try body.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch {
            return (JSONResponse.error(.badRequest, "malformed JSON: \(error)"), .invalid)
        }
        let keyFromHeader = Credentials.basicUser(request.headers)
        guard let key = keyFromHeader ?? messages.writeKey(in: parsed), let source = credentials.source(forWriteKey: key) else {
            let answer = JSONResponse.error(
                .unauthorized,
                "missing or unknown write key; send it as the HTTP Basic user name (empty password) or as \"writeKey\" in the body",
                headers: [.wwwAuthenticate: "Basic realm=\"aerd\""])
            return (answer, .unauthorized)
        }
        let events: [Event]
        do {
            if let type {
                events = [try messages.message(parsed, type: type, source: source, receivedAt: receivedAt)]
            } else {
                events = try messages.batch(parsed, source: source, receivedAt: receivedAt)
            }
        } catch {
            return (JSONResponse.make(.badRequest, error.json), .invalid)
        }
        do {
            let appended = try await log.append(events)
            afterCommit()
            metrics.ingestedEvents(events, outcome: .accepted, duplicates: appended.duplicates)
        } catch {
            context.logger.error("event log append failed", metadata: ["error": "\(error)", "events": "\(events.count)"])
            metrics.ingestedEvents(events, outcome: .unavailable)
            return (JSONResponse.error(.serviceUnavailable, "the events could not be stored; retry later", headers: [.retryAfter: "1"]), .unavailable)
        }
        return (JSONResponse.ok(), .accepted)
    }

    private func tooLarge() -> Response {
        JSONResponse.error(.contentTooLarge, "the body is larger than the server's limit of \(maxBodyBytes) bytes (server.max_body)")
    }
}
