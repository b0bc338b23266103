import Foundation
import Testing

@Suite("aerd log formats")
struct LogFormatCommandTests {
    /// A config whose email channel warns at setup (`insecure_skip_verify`), with `log:` as given.
    func configWarning(log: String) throws -> String {
        let directory = try temporaryDirectory()
        try """
            server: {admin_token: x}
            ingest: {write_keys: [{source: web, key: k}]}
            channels:
              - {id: email, type: email, url: "smtps://127.0.0.1:2525", from: "a@example.com", insecure_skip_verify: true}
            \(log)
            """.write(toFile: directory + "/aerd.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    static let warning = "insecure_skip_verify is on: any certificate is accepted, so TLS protects nothing; use ca_file instead"

    @Test("log.format in aerd.yaml picks the format; AERD_LOG_FORMAT and then --log-format override it")
    func precedence() throws {
        let config = try configWarning(log: "log: {format: journald}")
        let journald = try aerd(["validate", "--config", config])
        #expect(journald.status == 0)
        #expect(journald.stderr == "<4>aerd.validate: \(Self.warning) channel=email\n")

        var environment = exampleEnvironment
        environment["AERD_LOG_FORMAT"] = "json"
        let json = try aerd(["validate", "--config", config], environment: environment)
        #expect(json.stderr.hasPrefix("{\"ts\":\""))
        #expect(json.stderr.hasSuffix("\"level\":\"warning\",\"label\":\"aerd.validate\",\"message\":\"\(Self.warning)\",\"channel\":\"email\"}\n"))

        let text = try aerd(["validate", "--config", config, "--log-format", "text"], environment: environment)
        #expect(text.stderr.hasSuffix(" warning aerd.validate: channel=email [EmailChannel] \(Self.warning)\n"))
    }

    @Test("the level hides less severe records")
    func level() throws {
        let config = try configWarning(log: "log: {level: error}")
        let outcome = try aerd(["validate", "--config", config])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.isEmpty)
    }

    @Test("an unknown format is refused from every source with what to write instead")
    func unknownFormat() throws {
        let config = try configWarning(log: "")
        var environment = exampleEnvironment
        environment["AERD_LOG_FORMAT"] = "xml"
        let fromEnvironment = try aerd(["validate", "--config", config], environment: environment)
        #expect(fromEnvironment.status == 78)
        #expect(fromEnvironment.stderr == "aerd: AERD_LOG_FORMAT is 'xml', which is not one of text, json, journald; set it to one of those or unset it\n")

        let fromFlag = try aerd(["run", "--config", config, "--log-format", "xml"])
        #expect(fromFlag.status == 64)
        #expect(fromFlag.stderr.contains("The value 'xml' is invalid for '--log-format <format>'. Please provide one of 'text', 'json' or 'journald'."))

        let fromFile = try aerd(["validate", "--config", try configWarning(log: "log: {format: xml}")])
        #expect(fromFile.status == 78)
        #expect(fromFile.stderr.contains("/aerd.yaml:5:15: error: unknown log format 'xml'; expected one of: text, json, journald"))
    }
}
