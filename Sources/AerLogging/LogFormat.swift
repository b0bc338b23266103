public import Logging

/// How each log record is written to standard error.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// One human-readable line: time, level, label, metadata, source module, message.
    case text
    /// One JSON object per line: `ts`, `level`, `label`, `message`, then the metadata as fields.
    case json
    /// Lines prefixed with the sd-daemon priority (`<3>` error … `<7>` debug) and no time, for the journal.
    case journald

    /// `text, json, journald`, for error messages and help.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

extension Logger.Level {
    /// `trace, debug, info, notice, warning, error, critical`, for error messages and help.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// The syslog priority journald reads from a `<N>` line prefix (sd-daemon.h: 2 crit … 7 debug).
    var journalPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
