import ArgumentParser

/// `aerd validate --config DIR`: reports every problem, one per line, or a one-line summary.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration directory and report every problem (exit 78) or a summary (exit 0).")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let configuration = try options.load()
        print("config OK: \(configuration.summary)")
    }
}
