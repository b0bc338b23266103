import Foundation
import Testing

@Suite("make install")
struct InstallTests {
    /// Runs `make TARGET DESTDIR=… PREFIX=/usr BIN=<built aerd>` in the repository; fails the test on a non-zero exit.
    func make(_ target: String, into root: String) throws {
        let (status, output) = try runTool(
            "/usr/bin/make", ["-C", repositoryRoot, "--no-print-directory", target, "DESTDIR=\(root)", "PREFIX=/usr", "BIN=\(aerdBinary)"])
        try #require(status == 0, "\(output)")
    }

    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    @Test("places binary, unit, documentation and example config with their modes, the unit pointing at the binary")
    func install() throws {
        let root = try temporaryDirectory()
        try make("install", into: root)

        #expect(try mode(root + "/usr/bin/aerd") == 0o755)
        #expect(try mode(root + "/etc/systemd/system/aerd.service") == 0o644)
        #expect(try mode(root + "/etc/aerd/aerd.yaml") == 0o644)
        #expect(try mode(root + "/etc/aerd/segments/lifecycle.yaml") == 0o644)
        #expect(try mode(root + "/etc/aerd/templates/welcome_email.text.mustache") == 0o644)
        #expect(try mode(root + "/etc/aerd/credentials") == 0o700)
        #expect(try mode(root + "/usr/share/doc/aerd/README.md") == 0o644)

        let unit = try String(contentsOfFile: root + "/etc/systemd/system/aerd.service", encoding: .utf8)
        #expect(unit.contains("\nExecStart=/usr/bin/aerd run "))
        #expect(unit.contains("\nExecStartPre=/usr/bin/aerd validate "))
        #expect(!unit.contains("/usr/local"))
    }

    @Test("the installed config validates with the secrets as systemd credentials")
    func installedConfigReadsCredentials() throws {
        let root = try temporaryDirectory()
        try make("install", into: root)
        let credentials = try temporaryDirectory()
        try "installed_write_key\n".write(toFile: credentials + "/write_key", atomically: true, encoding: .utf8)
        try "installed_admin_token\n".write(toFile: credentials + "/admin_token", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["CREDENTIALS_DIRECTORY"] = credentials
        environment["AERD_WRITE_KEY"] = nil
        environment["AERD_ADMIN_TOKEN"] = nil
        let outcome = try aerd(["validate", "--config", root + "/etc/aerd"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test("an existing aerd.yaml is kept, and uninstall leaves the configuration")
    func keepsConfiguration() throws {
        let root = try temporaryDirectory()
        try FileManager.default.createDirectory(atPath: root + "/etc/aerd", withIntermediateDirectories: true)
        let mine = "# the operator's own\n"
        try mine.write(toFile: root + "/etc/aerd/aerd.yaml", atomically: true, encoding: .utf8)
        try make("install", into: root)
        #expect(try String(contentsOfFile: root + "/etc/aerd/aerd.yaml", encoding: .utf8) == mine)
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/aerd/segments"))

        try make("uninstall", into: root)
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/bin/aerd"))
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/systemd/system/aerd.service"))
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/share/doc/aerd"))
        #expect(try String(contentsOfFile: root + "/etc/aerd/aerd.yaml", encoding: .utf8) == mine)
    }
}
