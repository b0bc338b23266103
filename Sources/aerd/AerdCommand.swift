import ArgumentParser

/// The `aerd` command line.
@main
struct AerdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aerd",
        abstract: "Marketing automation that follows customers as they move between segments.",
        discussion: """
            Exit codes: 0 ok, 64 usage error, 78 invalid configuration, 1 any other failure.
            """,
        version: AerdVersion.string,
        subcommands: [RunCommand.self, ValidateCommand.self, ImportCommand.self, SimulateCommand.self, ReportCommand.self, CLVCommand.self, SendTestCommand.self, EraseCommand.self, VersionCommand.self])
}

/// The version printed by `aerd version` and `aerd --version`.
enum AerdVersion {
    static let string = "0.1.0"
}

/// `aerd version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("aerd \(AerdVersion.string)")
    }
}

/// Exit codes from sysexits(3).
enum SysExit {
    /// EX_CONFIG: the configuration is invalid.
    static let config = ExitCode(78)
    /// EX_USAGE: the command line is wrong.
    static let usage = ExitCode(64)
    /// Any other failure.
    static let failure = ExitCode(1)
}
