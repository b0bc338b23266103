public import AerPluginAPI

/// The `exec` channel's configuration.
///
/// ```yaml
/// channels:
///   - id: slack
///     type: exec
///     command: [/usr/local/lib/aerd/slack-notify, --workspace, shop]
///     timeout: 20
///     environment: {SLACK_TOKEN: "${env:SLACK_TOKEN}"}
/// ```
public struct ExecSettings: ChannelSettings {
    /// The accepted YAML keys.
    public static let keys = ["command", "timeout", "environment", "working_directory"]

    /// The program and its arguments; never run through a shell. The program is an absolute path or a
    /// name looked up on `PATH` when the channel is created.
    public var command: [String]
    /// Seconds the program may run before it is stopped (SIGTERM, then SIGKILL 2 s later) and the message
    /// retried. Default 30.
    public var timeout: Double
    /// Variables added to the program's environment (aerd's own environment is not passed on).
    public var environment: [String: String]
    /// The directory the program runs in; aerd's working directory when unset.
    public var workingDirectory: String?

    /// - Parameters:
    ///   - command: the program and its arguments.
    ///   - timeout: seconds the program may run.
    ///   - environment: variables for the program.
    ///   - workingDirectory: the directory it runs in.
    public init(command: [String], timeout: Double = 30, environment: [String: String] = [:], workingDirectory: String? = nil) {
        self.command = command
        self.timeout = timeout
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    // The host decodes with `.convertFromSnakeCase`: `working_directory` arrives as `workingDirectory`.
    private enum CodingKeys: String, CodingKey {
        case command, timeout, environment, workingDirectory
    }

    /// Decodes the YAML keys; absent optional keys take their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            command: try container.decode([String].self, forKey: .command),
            timeout: try container.decodeIfPresent(Double.self, forKey: .timeout) ?? 30,
            environment: try container.decodeIfPresent([String: String].self, forKey: .environment) ?? [:],
            workingDirectory: try container.decodeIfPresent(String.self, forKey: .workingDirectory))
    }
}

extension ExecSettings: CustomStringConvertible {
    /// The settings with environment values redacted (they often hold tokens), safe to log.
    public var description: String {
        let variables = environment.keys.sorted().joined(separator: ", ")
        return "ExecSettings(command: \(command), timeout: \(timeout), environment: [\(variables)], "
            + "working_directory: \(workingDirectory ?? "-"))"
    }
}
