import AerConfig
import AerLogging
import Testing

/// `log:` in aerd.yaml.
@Suite struct LogSettingsTests {
    func fixture(_ log: String) -> Fixture {
        Fixture(["aerd.yaml": Fixture.mainFile + log])
    }

    @Test func formatAndLevelAreRead() throws {
        let config = try #require(fixture("log: {format: json, level: debug}\n").config())
        #expect(config.log == LogSettings(format: .json, level: .debug))
    }

    @Test func absentMeansUnsetSoTheCommandLineEnvironmentOrDefaultDecide() throws {
        let config = try #require(Fixture().config())
        #expect(config.log == LogSettings())
    }

    @Test func anUnknownFormatIsReportedAtItsValueWithTheChoices() {
        #expect(fixture("log:\n  format: jsn\n").errors() == ["DIR/aerd.yaml:7:11: error: unknown log format 'jsn'; did you mean 'json'?"])
        #expect(fixture("log:\n  format: syslog\n").errors() == [
            "DIR/aerd.yaml:7:11: error: unknown log format 'syslog'; expected one of: text, json, journald",
        ])
    }

    @Test func anUnknownLevelOrKeyIsReported() {
        #expect(fixture("log: {level: verbose, colour: true}\n").errors() == [
            "DIR/aerd.yaml:6:14: error: unknown log level 'verbose'; expected one of: trace, debug, info, notice, warning, error, critical",
            "DIR/aerd.yaml:6:23: error: unknown key 'colour' in log; allowed keys: format, level",
        ])
        #expect(fixture("log: json\n").errors() == ["DIR/aerd.yaml:6:6: error: expected a mapping, got a string"])
    }
}
