import Foundation
import Testing

/// Runs a program to completion, returning its exit status and combined output.
func runTool(_ path: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
}

@Suite("systemd unit")
struct SystemdUnitTests {
    /// The shipped unit with its binary path pointed at the built aerd (verify checks ExecStart exists).
    func unitUnderTest() throws -> String {
        let directory = try temporaryDirectory()
        let unit = try String(contentsOfFile: repositoryRoot + "/systemd/aerd.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/aerd", with: aerdBinary)
        let path = directory + "/aerd.service"
        try unit.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("systemd-analyze verify accepts the unit")
    func verify() throws {
        let (status, output) = try runTool("/usr/bin/systemd-analyze", ["verify", try unitUnderTest()])
        #expect(status == 0)
        #expect(output.isEmpty, "\(output)")
    }

    @Test("the unit's exposure level is at most 1.5")
    func exposure() throws {
        let (status, output) = try runTool("/usr/bin/systemd-analyze", ["security", "--offline=yes", try unitUnderTest()])
        #expect(status == 0)
        let line = try #require(output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let level = line.split(separator: " ").compactMap { Double($0) }.first ?? 10
        #expect(level <= 1.5, "\(line)")
    }

    @Test("the unit validates before starting, restarts on failure but not on a bad config, and takes secrets as credentials")
    func directives() throws {
        let unit = try String(contentsOfFile: repositoryRoot + "/systemd/aerd.service", encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map(String.init))
        for directive in [
            "Type=notify", "ExecStartPre=/usr/local/bin/aerd validate --config ${CONFIGURATION_DIRECTORY}", "Restart=on-failure",
            "ExecReload=/bin/kill -HUP $MAINPID", "RestartPreventExitStatus=78", "StateDirectory=aerd", "ConfigurationDirectory=aerd", "DynamicUser=yes",
            "LoadCredential=write_key:/etc/aerd/credentials/write_key", "LoadCredential=admin_token:/etc/aerd/credentials/admin_token",
        ] {
            #expect(lines.contains(directive), "missing \(directive)")
        }
        #expect(lines.contains { $0.hasPrefix("WatchdogSec=") })
    }
}
