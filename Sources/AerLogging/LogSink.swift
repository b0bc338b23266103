#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where rendered log lines go: standard error in the daemon, a recorder in tests.
public struct LogSink: Sendable {
    /// Writes one complete record (one or more newline-terminated lines).
    public let write: @Sendable ([UInt8]) -> Void

    /// A sink that hands every record to `write`.
    /// - Parameter write: Receives each record's bytes; called from any thread.
    public init(write: @escaping @Sendable ([UInt8]) -> Void) {
        self.write = write
    }

    /// File descriptor 2, one record at a time so that lines from concurrent tasks never interleave.
    public static let standardError = LogSink { bytes in
        standardErrorLock.withLock { _ in writeAll(bytes, to: 2) }
    }
}

/// Writes every byte to `descriptor`, resuming after interrupted or partial writes.
private func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let written = write(descriptor, base + offset, raw.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                // Nowhere is left to report a failing stderr: drop the record rather than spin.
                return
            }
        }
    }
}

private let standardErrorLock = Mutex(())
