import AerDispatch
import AerPluginAPI
import ArgumentParser
import Logging

/// `aerd validate --config DIR`: reports every problem, one per line, or a one-line summary.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a configuration directory and report every problem (exit 78) or a summary (exit 0).",
        discussion: "Checks the YAML, the condition language, references, templates (with their partials) and every channel's settings.")

    @OptionGroup var options: ConfigOptions

    @OptionGroup var logging: LogOptions

    func run() async throws {
        let configuration = try options.load()
        try logging.bootstrap(configuration.log)
        _ = try Assembly(configuration)
        let context = ChannelContext(logger: Logger(label: "aerd.validate"), userAgent: "aerd/\(AerdVersion.string)")
        if let errors = await ChannelRegistry.check(configuration.channels, context: context) {
            printError(errors.description)
            throw SysExit.config
        }
        print("config OK: \(configuration.summary)")
    }
}
