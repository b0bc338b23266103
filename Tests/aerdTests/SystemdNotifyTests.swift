import AerSystemd
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket standing in for systemd's notify socket.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init() throws {
        path = NSTemporaryDirectory() + "aerd-notify-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram, or nil after the receive timeout.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// A datagram already queued, without waiting.
    func queued() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Reads datagrams until one contains `needle`; returns everything read.
    func receive(until needle: String) -> [String] {
        var seen: [String] = []
        while let message = receive() {
            seen.append(message)
            if message.contains(needle) { break }
        }
        return seen
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

/// A monotonic clock the test moves by hand.
private final class ManualMonotonic: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func now() -> ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}

@Suite("systemd watchdog")
struct WatchdogTests {
    @Test("WATCHDOG=1 only while every loop has beaten within two intervals; a stuck loop lets the watchdog fire")
    func stuckLoop() throws {
        let notify = try NotifySocket()
        let clock = ManualMonotonic()
        let engine = Heartbeat(name: "engine", now: clock.now)
        let dispatcher = Heartbeat(name: "dispatcher", now: clock.now)
        let environment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"]
        let watchdog = try #require(WatchdogService(
            notifier: SystemdNotifier(environment: environment), environment: environment, processId: getpid(), heartbeats: [engine, dispatcher]))
        #expect(watchdog.petIfAlive())
        #expect(notify.queued() == "WATCHDOG=1")
        // The dispatcher keeps beating; the engine is stuck for two intervals (2 s at WATCHDOG_USEC = 2 s).
        clock.advance(.seconds(2))
        dispatcher.beat()
        #expect(!watchdog.petIfAlive())
        #expect(notify.queued() == nil)
        engine.beat()
        #expect(watchdog.petIfAlive())
        #expect(notify.queued() == "WATCHDOG=1")
        // Another pid's watchdog is not ours.
        #expect(WatchdogService(notifier: SystemdNotifier(environment: environment), environment: environment.merging(["WATCHDOG_PID": "1"]) { $1 },
                                processId: getpid(), heartbeats: []) == nil)
    }
}

@Suite("systemd notify", .serialized)
struct SystemdNotifyTests {
    @Test("READY=1 once serving, WATCHDOG=1 while the loops run, STOPPING=1 and exit 0 on SIGTERM")
    func lifecycle() async throws {
        let notify = try NotifySocket()
        let state = try temporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aerdBinary)
        process.arguments = ["run", "--config", repositoryRoot + "/config", "--state", state, "--listen", "127.0.0.1:0"]
        var environment = exampleEnvironment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "400000"
        process.environment = environment
        process.standardError = FileHandle.nullDevice
        try process.run()
        let ready = notify.receive(until: "READY=1")
        #expect(ready.last?.contains("READY=1") == true)
        #expect(ready.last?.contains("STATUS=serving") == true)
        let watchdog = notify.receive(until: "WATCHDOG=1")
        #expect(watchdog.last == "WATCHDOG=1")
        process.terminate()
        let stopping = notify.receive(until: "STOPPING=1")
        #expect(stopping.last?.hasPrefix("STOPPING=1") == true)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("/readyz is 200 while serving")
    func readiness() async throws {
        let daemon = try Daemon(state: try temporaryDirectory())
        let ready = try await eventually { try await request("GET", daemon.base + "/readyz").0 == 200 }
        #expect(ready)
        #expect(daemon.stop() == 0)
    }
}
