import Foundation
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
