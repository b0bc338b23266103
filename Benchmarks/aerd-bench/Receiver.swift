import Hummingbird
import Logging
import NIOCore

/// Runs an HTTP receiver on 127.0.0.1 (a free port) for the duration of `body`, calling `onPost` with each
/// POST body.
func withLoopbackReceiver<T: Sendable>(
    onPost: @escaping @Sendable (ByteBuffer) -> Void, _ body: @Sendable (_ port: Int) async throws -> T
) async throws -> T {
    let router = Router()
    router.post("**") { request, _ -> Response in
        onPost(try await request.body.collect(upTo: 1 << 20))
        return Response(status: .ok)
    }
    var logger = Logger(label: "receiver")
    logger.logLevel = .critical
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let receiver = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await receiver.runService()
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        let result = try await body(port)
        group.cancelAll()
        return result
    }
}
