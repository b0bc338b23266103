public import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A request as the receiver saw it.
public struct ReceivedRequest: Sendable {
    /// `POST`, `GET`, …
    public var method: String
    /// The path, without the query.
    public var path: String
    /// Header names in lower case, in the order received.
    public var headers: [(name: String, value: String)]
    /// The body, byte for byte.
    public var body: Data

    /// The first value of a header.
    /// - Parameter name: any case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }

    /// The body parsed as `application/x-www-form-urlencoded`, with `+` as a space.
    public var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}

/// What the receiver answers to one request.
public struct Reply: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers.
    public var headers: [String: String]
    /// The response body.
    public var body: String
    /// Never answer (until the receiver stops): for timeouts.
    public var hangs: Bool

    /// A response.
    /// - Parameters:
    ///   - code: the status code.
    ///   - headers: response headers.
    ///   - body: the response body.
    public static func status(_ code: Int, headers: [String: String] = [:], body: String = "") -> Reply {
        Reply(status: code, headers: headers, body: body, hangs: false)
    }

    /// No answer until the test calls `HTTPReceiver.release(_:)` or the receiver stops; then 503.
    public static let hang = Reply(status: 503, headers: [:], body: "", hangs: true)

    /// No answer until the test calls `HTTPReceiver.release(_:)`; then this status.
    /// - Parameter code: the status to answer once released.
    public static func hold(then code: Int) -> Reply {
        Reply(status: code, headers: [:], body: "", hangs: true)
    }
}

/// Records every request and answers from a script: the first request gets the first reply, and so on;
/// once the script is used up, every request gets `otherwise`.
///
/// It also counts requests being handled at once (a `.hang` reply keeps one open until `release(_:)`), so
/// a test can check a client's concurrency, and lets a test await a number of requests instead of sleeping.
public actor HTTPReceiver {
    /// Every request so far, in order of arrival.
    public private(set) var requests: [ReceivedRequest] = []
    /// Requests being handled right now (received and not yet answered).
    public private(set) var inFlight = 0
    /// The most requests that were being handled at the same time.
    public private(set) var maxInFlight = 0
    private var script: [Reply]
    private let otherwise: Reply
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var conditions: [(check: @Sendable (HTTPReceiver.Snapshot) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    private var stopped = false

    /// What a condition of `wait(until:)` sees.
    public struct Snapshot: Sendable {
        /// Requests received so far.
        public var received: Int
        /// Requests being handled right now.
        public var inFlight: Int
        /// Requests held by a `.hang` reply right now.
        public var hanging: Int
    }

    init(script: [Reply], otherwise: Reply) {
        self.script = script
        self.otherwise = otherwise
    }

    func record(_ request: ReceivedRequest) -> Reply {
        requests.append(request)
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        let reply = script.isEmpty ? otherwise : script.removeFirst()
        if !reply.hangs { checkConditions() }
        return reply
    }

    func answered() {
        inFlight -= 1
        checkConditions()
    }

    /// Suspends a handler until the test releases it or the receiver stops.
    func hang() async {
        if stopped { return }
        await withCheckedContinuation {
            waiting.append($0)
            checkConditions()
        }
    }

    /// Lets requests held by `.hang` replies be answered (with the reply's status), oldest first.
    /// - Parameter count: how many to release; all by default.
    public func release(_ count: Int = Int.max) {
        let released = waiting.prefix(count)
        waiting.removeFirst(released.count)
        for continuation in released { continuation.resume() }
    }

    /// Returns once `condition` holds, checked after every change.
    /// - Parameter condition: e.g. `{ $0.hanging == 2 }` or `{ $0.received >= 3 }`.
    public func wait(until condition: @escaping @Sendable (Snapshot) -> Bool) async {
        if condition(snapshot) { return }
        await withCheckedContinuation { conditions.append((condition, $0)) }
    }

    private var snapshot: Snapshot { Snapshot(received: requests.count, inFlight: inFlight, hanging: waiting.count) }

    private func checkConditions() {
        let now = snapshot
        var remaining: [(check: @Sendable (Snapshot) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
        for condition in conditions {
            if condition.check(now) { condition.continuation.resume() } else { remaining.append(condition) }
        }
        conditions = remaining
    }

    func stop() {
        stopped = true
        for continuation in waiting { continuation.resume() }
        waiting.removeAll()
    }
}

/// Runs an HTTP server on 127.0.0.1 (an ephemeral port) for the duration of `body`.
/// - Parameters:
///   - script: the replies to the first requests, in order.
///   - otherwise: the reply once the script is used up.
///   - body: gets the server's base URL (`http://127.0.0.1:<port>`) and its recorder.
/// - Returns: what `body` returns.
public func withHTTPReceiver<T>(
    _ script: [Reply] = [], otherwise: Reply = .status(200),
    _ body: (_ baseURL: String, _ receiver: HTTPReceiver) async throws -> T
) async throws -> T {
    let receiver = HTTPReceiver(script: script, otherwise: otherwise)
    var logger = Logger(label: "test-receiver")
    logger.logLevel = .error
    let router = Router()
    // `**` matches every path below the root but not the root itself.
    for method in [HTTPRequest.Method.post, .get, .put] {
        for path in ["/", "**"] {
            router.on(RouterPath(path), method: method) { request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 16 << 20)
                let received = ReceivedRequest(
                    method: request.method.rawValue, path: request.uri.path,
                    headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
                    body: Data(bytes.readableBytesView))
                let reply = await receiver.record(received)
                if reply.hangs { await receiver.hang() }
                await receiver.answered()
                var headers = HTTPFields()
                for (name, value) in reply.headers {
                    if let field = HTTPField.Name(name) { headers[field] = value }
                }
                return Response(status: .init(code: reply.status), headers: headers,
                                body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
            }
        }
    }
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger)
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))

    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body("http://127.0.0.1:\(port)", receiver))
        } catch {
            outcome = .failure(error)
        }
        await receiver.stop()
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        return try outcome.get()
    }
}
