import AerConfig
public import AerLogging
public import ArgumentParser
import Foundation
public import Logging

/// `--log-format` and `--log-level`, for the commands that log.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Log format (overrides AERD_LOG_FORMAT and log.format; default journald under systemd, else text).",
        valueName: "format"))
    var logFormat: LogFormat?

    @Option(name: .long, help: ArgumentHelp(
        "Least severe level logged (overrides AERD_LOG_LEVEL and log.level; default info).",
        valueName: "level"))
    var logLevel: Logger.Level?

    /// Sends every logger of the process through aerd's handler in the chosen format; exits 78 when
    /// `AERD_LOG_FORMAT` or `AERD_LOG_LEVEL` holds an unknown value.
    /// - Parameter settings: `log:` from aerd.yaml.
    func bootstrap(_ settings: LogSettings) throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            try LogChoice(
                format: logFormat, level: logLevel, configured: (settings.format, settings.level), environment: environment,
                journal: JournalStream.isConnected(environment: environment)
            ).bootstrap()
        } catch {
            printError("aerd: \(error)")
            throw SysExit.config
        }
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}
