import Foundation
public import Logging

/// Log messages kept for a test to read.
public final class LogRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String)] = []
    private let observer: (@Sendable (Logger.Level, String) -> Void)?

    /// An empty record.
    /// - Parameter observer: called with every message as it is logged, for tests that wait for one.
    public init(observer: (@Sendable (Logger.Level, String) -> Void)? = nil) {
        self.observer = observer
    }

    /// A logger that writes here.
    /// - Parameter label: the logger's label.
    public func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in RecordingLogHandler(records: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The messages logged at `level`, in order.
    /// - Parameter level: the level to select.
    public func messages(at level: Logger.Level) -> [String] {
        lock.withLock { entries.filter { $0.level == level }.map(\.message) }
    }

    func append(_ level: Logger.Level, _ message: String) {
        lock.withLock { entries.append((level, message)) }
        observer?(level, message)
    }
}

/// Sends log messages to `LogRecords`.
struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.append(event.level, "\(event.message)")
    }
}
