#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body` with a loopback port that refuses connections: a TCP socket bound to it but not listening.
/// Held for the whole body, so no other test's server can take the port meanwhile (a port merely closed
/// after use can be handed out again and answer).
public func withRefusingPort<T>(_ body: (_ port: Int) async throws -> T) async throws -> T {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RefusingPortError(step: "socket", code: errno) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw RefusingPortError(step: "bind", code: errno) }
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}

/// The refusing port could not be set up.
public struct RefusingPortError: Error, CustomStringConvertible {
    public var step: String
    public var code: Int32
    public var description: String { "\(step) failed with errno \(code)" }
}
