#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ImportProgress {
    /// A reporter that rewrites one line on standard error, or nil when standard error is not a terminal
    /// (logs and pipes get no progress noise).
    ///
    /// Pass it to `Importer.init(progress:)`; the importer already limits reports to a few per second.
    public static func terminalReporter() -> (@Sendable (ImportProgress) -> Void)? {
        guard isatty(2) == 1 else { return nil }
        return { progress in
            var line = "\r\u{1B}[K" + progress.line
            if progress.isFinal { line += "\n" }
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    /// `read 120000 rows · 45.2 MiB of 1 GiB (4%) · 310000 rows/s`.
    public var line: String {
        var text = "read \(rowsRead) rows · \(ByteCount(bytesRead))"
        if totalBytes > 0 {
            let percent = Int((Double(bytesRead) / Double(totalBytes) * 100).rounded(.down))
            text += " of \(ByteCount(totalBytes)) (\(min(percent, 100))%)"
        }
        text += " · \(Int(rowsPerSecond.rounded())) rows/s"
        return text
    }
}
