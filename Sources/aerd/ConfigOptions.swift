import AerConfig
import ArgumentParser
import Foundation

/// `--config DIR`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration directory (holds aerd.yaml).", valueName: "dir"))
    var config: String = "config"

    /// Loads and validates the configuration; prints every problem and exits 78 when it is invalid.
    func load() throws -> AerConfiguration {
        switch ConfigLoader.load(directory: config, environment: ProcessInfo.processInfo.environment) {
        case .success(let configuration):
            return configuration
        case .failure(let errors):
            FileHandle.standardError.write(Data((errors.description + "\n").utf8))
            throw SysExit.config
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
