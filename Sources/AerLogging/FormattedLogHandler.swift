public import AerCore
public import Logging

/// aerd's one log handler: renders each record in the chosen ``LogFormat`` to a ``LogSink``, with secret
/// metadata redacted.
public struct FormattedLogHandler: LogHandler {
    /// The logger's label (`aerd`, `aerd.validate`, …).
    public let label: String
    /// How records are written.
    public let format: LogFormat
    /// Where they go.
    public let sink: LogSink
    /// Stamps each record (the `text` and `json` formats show it).
    public let clock: any WallClock
    /// The least severe level written.
    public var logLevel: Logger.Level
    /// Metadata attached to every record of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata added to every record.
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for one logger.
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - format: How records are written.
    ///   - level: The least severe level written.
    ///   - sink: Where records go; ``LogSink/standardError`` in the daemon.
    ///   - clock: The time stamped on records.
    ///   - metadataProvider: Contextual metadata, if any.
    public init(
        label: String, format: LogFormat, level: Logger.Level, sink: LogSink = .standardError,
        clock: any WallClock = SystemWallClock(), metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
        self.clock = clock
        self.metadataProvider = metadataProvider
    }

    /// Metadata of this logger by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Renders and writes one record.
    /// - Parameter event: The log statement.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        let record = LogRecord(
            timestamp: clock.now(), level: event.level, label: label, source: event.source,
            message: event.message.description, metadata: Redaction.redact(merged))
        sink.write(record.rendered(as: format))
    }
}
