#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Logging

/// The log format and level in effect, picked from (strongest first) the command line, the environment
/// (`AERD_LOG_FORMAT`, `AERD_LOG_LEVEL`), `log:` in aerd.yaml, and the default: `journald` when standard
/// error is the journal (systemd sets `JOURNAL_STREAM`), else `text`; level `info`.
public struct LogChoice: Sendable, Hashable {
    /// How records are written.
    public var format: LogFormat
    /// The least severe level written.
    public var level: Logger.Level

    /// The environment variable that overrides `log.format`.
    public static let formatVariable = "AERD_LOG_FORMAT"
    /// The environment variable that overrides `log.level`.
    public static let levelVariable = "AERD_LOG_LEVEL"

    /// A fixed choice.
    /// - Parameters:
    ///   - format: How records are written.
    ///   - level: The least severe level written.
    public init(format: LogFormat, level: Logger.Level) {
        self.format = format
        self.level = level
    }

    /// Picks the format and level from the sources in order of strength.
    /// - Parameters:
    ///   - format: `--log-format`, if given.
    ///   - level: `--log-level`, if given.
    ///   - configured: `log.format` and `log.level` from aerd.yaml, if set.
    ///   - environment: The process environment.
    ///   - journal: Whether standard error is connected to the journal (see ``JournalStream``).
    /// - Throws: ``LogChoiceError`` when an environment variable holds an unknown format or level.
    public init(
        format: LogFormat?, level: Logger.Level?, configured: (format: LogFormat?, level: Logger.Level?),
        environment: [String: String], journal: Bool
    ) throws(LogChoiceError) {
        let environmentFormat = try Self.parse(environment[Self.formatVariable], as: LogFormat.self, variable: Self.formatVariable, names: LogFormat.names)
        let environmentLevel = try Self.parse(environment[Self.levelVariable], as: Logger.Level.self, variable: Self.levelVariable, names: Logger.Level.names)
        self.format = format ?? environmentFormat ?? configured.format ?? (journal ? .journald : .text)
        self.level = level ?? environmentLevel ?? configured.level ?? .info
    }

    private static func parse<Value: RawRepresentable>(_ text: String?, as type: Value.Type, variable: String, names: String)
        throws(LogChoiceError) -> Value? where Value.RawValue == String
    {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Value(rawValue: text) else { throw LogChoiceError(variable: variable, value: text, expected: names) }
        return value
    }

    /// Makes every `Logger` of this process write through a ``FormattedLogHandler`` to standard error.
    /// Call once, before the first logger is made.
    public func bootstrap() {
        let (format, level) = (format, level)
        LoggingSystem.bootstrap { label in FormattedLogHandler(label: label, format: format, level: level) }
    }
}

/// An environment variable that should name a log format or level names something else.
public struct LogChoiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The variable (`AERD_LOG_FORMAT` or `AERD_LOG_LEVEL`).
    public var variable: String
    /// What it holds.
    public var value: String
    /// The accepted values, comma-separated.
    public var expected: String

    /// `AERD_LOG_FORMAT is 'xml', which is not one of text, json, journald`, with what to do.
    public var description: String {
        "\(variable) is '\(value)', which is not one of \(expected); set it to one of those or unset it"
    }
}

/// systemd's `JOURNAL_STREAM=DEVICE:INODE` names the journal socket it connected to stdout/stderr; it is only
/// believed when the descriptor really is that socket, since children inherit the variable even when their
/// stderr goes elsewhere.
public enum JournalStream {
    /// Whether `descriptor` (standard error by default) is the stream named by `JOURNAL_STREAM`.
    /// - Parameters:
    ///   - environment: The process environment.
    ///   - descriptor: The file descriptor to check.
    /// - Returns: true only when the variable is set and matches the descriptor's device and inode.
    public static func isConnected(environment: [String: String], descriptor: Int32 = 2) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
