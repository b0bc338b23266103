#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Speaks systemd's notify protocol: one datagram per message to `$NOTIFY_SOCKET` (a path, or an
/// abstract socket written `@name`). No library needed, and a no-op when not run by systemd.
public struct SystemdNotifier: Sendable {
    private let address: [UInt8]
    private let abstract: Bool

    /// The notifier for this process, or nil when `NOTIFY_SOCKET` is unset.
    public init?(environment: [String: String]) {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        abstract = socket.hasPrefix("@")
        address = Array((abstract ? socket.dropFirst() : Substring(socket)).utf8)
        guard address.count < 107 else { return nil }
    }

    /// Sends `message` (e.g. `READY=1`, `STATUS=…`, `WATCHDOG=1`); failures are ignored, as systemd's own
    /// `sd_notify` does.
    @discardableResult
    public func send(_ message: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let offset = abstract ? 1 : 0
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index + offset] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count + offset)
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), address, length)
            }
        }
        return sent == bytes.count
    }

    /// `CLOCK_MONOTONIC` in microseconds, for `RELOADING=1` + `MONOTONIC_USEC=`.
    public static func monotonicMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }
}
