import AerCore
import AerIngest
import AerJSON
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

    /// Handles one ingest request; `type` nil means a batch.
    private func handle(_ request: Request, context: BasicRequestContext, type: EventType?) async -> Response {
        let receivedAt = clock.now()
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            return tooLarge()
        }
        if let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" {
            guard encoding == "gzip" else {
                return JSONResponse.error(.unsupportedMediaType, "Content-Encoding '\(encoding)' is not supported; send gzip or no encoding")
            }
            do {
                body = try body.decompress(with: .gzip(), maxSize: maxBodyBytes)
                // The decompressor's limit is approximate (buffers round up); enforce the exact cap.
                if body.readableBytes > maxBodyBytes { return tooLarge() }
            } catch let error as CompressNIOError where error == .bufferOverflow {
                return tooLarge()
            } catch {
                return JSONResponse.error(.badRequest, "the body is not valid gzip data (Content-Encoding: gzip)")
            }
        }
        let limit = type == nil ? SegmentMessages.maxBatchBytes : SegmentMessages.maxMessageBytes
        if body.readableBytes > limit {
            let what = type == nil ? "batch" : "message"
            return JSONResponse.error(.badRequest, "the \(what) is \(body.readableBytes) bytes; the limit is \(limit / 1024) KB per \(what)")
        }
        let parsed: JSONValue
        do {
            parsed = try body.withUnsafeReadableBytes { try JSONParser.parse($0) }
        } catch {
            return JSONResponse.error(.badRequest, "malformed JSON: \(error)")
        }
        let keyFromHeader = Credentials.basicUser(request.headers)
        guard let key = keyFromHeader ?? messages.writeKey(in: parsed), let source = credentials.source(forWriteKey: key) else {
            return JSONResponse.error(
                .unauthorized,
                "missing or unknown write key; send it as the HTTP Basic user name (empty password) or as \"writeKey\" in the body",
                headers: [.wwwAuthenticate: "Basic realm=\"aerd\""])
        }
        let events: [Event]
        do {
            if let type {
                events = [try messages.message(parsed, type: type, source: source, receivedAt: receivedAt)]
            } else {
                events = try messages.batch(parsed, source: source, receivedAt: receivedAt)
            }
        } catch {
            return JSONResponse.make(.badRequest, error.json)
        }
        do {
            _ = try await log.append(events)
            afterCommit()
        } catch {
            context.logger.error("event log append failed", metadata: ["error": "\(error)", "events": "\(events.count)"])
            return JSONResponse.error(.serviceUnavailable, "the events could not be stored; retry later", headers: [.retryAfter: "1"])
        }
        return JSONResponse.ok()
    }

    private func tooLarge() -> Response {
        JSONResponse.error(.contentTooLarge, "the body is larger than the server's limit of \(maxBodyBytes) bytes (server.max_body)")
    }
}
