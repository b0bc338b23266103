/// Up to `capacity` connections, each used by one send at a time.
///
/// A send takes the most recently released connection — the one whose SMTP session is most likely still
/// open — so a steady trickle of messages reuses one session instead of spreading over all of them. When
/// every connection is busy and no more may be opened, sends wait in arrival order.
actor ConnectionPool {
    /// What `acquire` got.
    enum Lease: Sendable {
        case connection(CurlConnection)
        /// The channel is shutting down.
        case closed
        /// A new connection could not be created.
        case failed(ConnectionError)
    }

    private let capacity: Int
    private let open: @Sendable (Int) throws(ConnectionError) -> CurlConnection
    /// Idle connections; the last is the most recently used.
    private var idle: [CurlConnection]
    private var opened: Int
    private var busy = 0
    private var waiters: [CheckedContinuation<Lease, Never>] = []
    private var drained: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    /// - Parameters:
    ///   - first: a connection opened already (so that setup errors surface when the channel is created).
    ///   - capacity: the most connections at once.
    ///   - open: creates connection number n (for its thread name).
    init(first: CurlConnection, capacity: Int, open: @escaping @Sendable (Int) throws(ConnectionError) -> CurlConnection) {
        self.idle = [first]
        self.opened = 1
        self.capacity = capacity
        self.open = open
    }

    /// A channel dropped without `shutdown()` (a send in flight keeps the pool alive, so every connection is
    /// idle here) must not leave threads and sessions behind.
    deinit {
        for connection in idle { connection.closeInBackground() }
    }

    /// A connection for one send; give it back with `release`.
    func acquire() async -> Lease {
        if closed { return .closed }
        if let connection = idle.popLast() {
            busy += 1
            return .connection(connection)
        }
        if opened < capacity {
            do {
                let connection = try open(opened + 1)
                opened += 1
                busy += 1
                return .connection(connection)
            } catch {
                return .failed(error)
            }
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Takes a connection back after a send: to the next waiting send, or to the idle stack.
    func release(_ connection: CurlConnection) async {
        if closed {
            await connection.close()
            busy -= 1
            if busy == 0 { resumeDrained() }
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: .connection(connection))
            return
        }
        busy -= 1
        idle.append(connection)
    }

    /// Refuses new sends, lets the ones in flight finish, and closes every connection (curl sends QUIT).
    func close() async {
        if !closed {
            closed = true
            for waiter in waiters { waiter.resume(returning: .closed) }
            waiters = []
            let idleConnections = idle
            idle = []
            for connection in idleConnections { await connection.close() }
        }
        if busy > 0 {
            await withCheckedContinuation { drained.append($0) }
        }
    }

    private func resumeDrained() {
        for continuation in drained { continuation.resume() }
        drained = []
    }
}
