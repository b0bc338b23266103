@testable import AerConfig
import AerCore
import Foundation
import Testing

/// Whole-directory behaviour: every problem at once, sorted; defaults; templates; fingerprint; summary.
@Suite struct LoaderTests {
    @Test func problemsInSeveralFilesAreAllReportedSortedByFileLineAndColumn() {
        let fixture = Fixture([
            "aerd.yaml": """
                server: {listen: "127.0.0.1:99999"}
                ingest: {write_keys: []}
                defaults: {timezone: Mars/Olympus}

                """,
            "strategies/b.yaml": """
                strategies:
                  - id: b
                    aer: retian
                    positioning: ""
                    triggers:
                      - on: {enter: nobody}
                        wait: soon
                        actions: []

                """,
            "strategies/a.yaml": "strategies:\n  - {id: a, aer: expand, positioning: p, triggers: [{on: {event: X}, actions: [{channel: fax, template: t}]}]}\n",
            "segments/z.yaml": segmentFile(when: "{event: X, within: 1y}"),
            "segments/a.yaml": "lifecycles:\n  - {id: l, stages: [], fallback: p}\n",
            "templates/t.text.mustache": "hi",
            "templates/README": "x",
        ])
        #expect(fixture.errors() == [
            "DIR/aerd.yaml:1:9: error: missing required key 'admin_token'; write admin_token: ${env:AERD_ADMIN_TOKEN} and set the variable",
            "DIR/aerd.yaml:1:18: error: '127.0.0.1:99999' is not a listen address; write HOST:PORT, such as 127.0.0.1:8088 or [::1]:8088",
            "DIR/aerd.yaml:2:22: error: 'write_keys' needs at least one write key",
            "DIR/aerd.yaml:3:22: error: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin, America/New_York or UTC",
            "DIR/segments/a.yaml:2:21: error: 'stages' needs at least one stage",
            "DIR/segments/z.yaml:4:30: error: '1y' is not a duration; write a whole number and a unit: 90s, 15m, 2h, 3d or 8w",
            "DIR/strategies/a.yaml:2:90: error: unknown channel 'fax'; channels in aerd.yaml: none",
            "DIR/strategies/b.yaml:3:10: error: unknown AER family 'retian'; did you mean 'retain'?",
            "DIR/strategies/b.yaml:4:18: error: 'positioning' must not be empty",
            "DIR/strategies/b.yaml:6:21: error: unknown segment 'nobody'; segments: none",
            "DIR/strategies/b.yaml:7:15: error: 'soon' is not a duration; write a whole number and a unit: 90s, 15m, 2h, 3d or 8w",
            "DIR/strategies/b.yaml:8:18: error: 'actions' needs at least one action",
            "DIR/templates/README:1:1: error: unexpected file 'README' in templates/; name template files NAME.text.mustache, NAME.html.mustache or NAME.subject.mustache",
        ])
    }

    @Test func defaultsApplyWhenKeysAreLeftOut() throws {
        let config = try Fixture().load().get()
        #expect(config.server.listen == ListenAddress(host: "127.0.0.1", port: 8088))
        #expect(config.server.maxBodyBytes == 2_097_152)
        #expect(config.stateDirectory == "state")
        #expect(config.store == StoreSettings(path: "aerd.sqlite", busyTimeout: .seconds(5)))
        #expect(config.storePath() == "state/aerd.sqlite")
        #expect(config.storePath(stateDirectory: "/tmp/other") == "/tmp/other/aerd.sqlite")
        #expect(config.ingest.maxMessageBytes == 32_768)
        #expect(config.ingest.maxBatchBytes == 512_000)
        #expect(config.defaults == Defaults(timezone: "UTC"))
        #expect(config.analytics == nil)
        #expect(config.summary == "0 segments, 0 lifecycle sets, 0 strategies, 2 channels, 0 templates")
    }

    @Test func everyAerdYamlKeyIsRead() throws {
        let fixture = Fixture(["aerd.yaml": """
            server: {listen: "[::1]:9000", max_body: 512KiB, admin_token: a}
            state_dir: /var/lib/aerd
            store: {path: db/events.sqlite, busy_timeout: 2s}
            ingest: {write_keys: [{source: web, key: k1}, {source: ios, key: k2}]}
            defaults:
              timezone: America/New_York
              quiet_hours: {from: 22:00, to: "07:30"}
              frequency_cap: {max: 3, per: 7d, channel: sms}
            channels:
              - {id: sms, type: sms, base_url: "http://127.0.0.1:8099"}
            analytics: {refit: 1d, horizon: 52w, discount_rate: 0.1, margin: 0.4}

            """])
        let config = try fixture.load().get()
        #expect(config.server == ServerSettings(listen: ListenAddress(host: "::1", port: 9000), maxBodyBytes: 524_288, adminToken: "a"))
        #expect(config.stateDirectory == "/var/lib/aerd")
        #expect(config.store == StoreSettings(path: "db/events.sqlite", busyTimeout: .seconds(2)))
        #expect(config.storePath() == "/var/lib/aerd/db/events.sqlite")
        #expect(config.ingest.writeKeys == [WriteKey(source: "web", key: "k1"), WriteKey(source: "ios", key: "k2")])
        #expect(config.defaults == Defaults(
            timezone: "America/New_York", quietHours: QuietHours(from: TimeOfDay(minutes: 22 * 60), to: TimeOfDay(minutes: 7 * 60 + 30)),
            frequencyCap: FrequencyCap(max: 3, per: .days(7), channel: "sms")))
        #expect(config.analytics == AnalyticsSettings(refit: .days(1), horizon: .weeks(52), discountRate: 0.1, margin: 0.4))
        #expect(config.channels == [ChannelDefinition(
            id: "sms", type: .sms, settings: ["base_url": "http://127.0.0.1:8099"],
            location: SourceLocation(file: fixture.path("aerd.yaml"), line: 10, column: 5))])
    }

    @Test(arguments: [("1024", 1024), ("1B", 1), ("2KB", 2000), ("2KiB", 2048), ("3MB", 3_000_000), ("2 MiB", 2_097_152)])
    func maxBodySizes(text: String, bytes: Int) throws {
        let fixture = Fixture(["aerd.yaml": Fixture.mainFile.replacingOccurrences(of: "{admin_token: admin}", with: "{admin_token: admin, max_body: \(text)}")])
        #expect(try fixture.load().get().server.maxBodyBytes == bytes)
    }

    @Test func templatesAreLoadedByNameWithTheirOptionalParts() throws {
        let fixture = Fixture([
            "templates/welcome.text.mustache": "Hi {{traits.first_name}}\n",
            "templates/welcome.html.mustache": "<p>Hi</p>\n",
            "templates/welcome.subject.mustache": "Welcome\n",
            "templates/ping.text.mustache": "ping",
            "templates/.gitkeep": "",
        ])
        let templates = try fixture.load().get().templates
        #expect(templates == [
            "welcome": TemplateSource(
                name: "welcome", text: "Hi {{traits.first_name}}\n", html: "<p>Hi</p>\n", subject: "Welcome\n",
                textPath: fixture.path("templates/welcome.text.mustache"), htmlPath: fixture.path("templates/welcome.html.mustache"),
                subjectPath: fixture.path("templates/welcome.subject.mustache")),
            "ping": TemplateSource(name: "ping", text: "ping", textPath: fixture.path("templates/ping.text.mustache")),
        ])
    }

    @Test func onlyYamlFilesAreReadFromSegmentsAndStrategies() throws {
        let fixture = Fixture(["segments/notes.md": "not yaml: [", "segments/a.yml": segmentFile(when: "{event: A}")])
        #expect(try fixture.load().get().segments.map(\.id) == ["s"])
    }

    @Test func theFingerprintIsStableAndFollowsTheContents() throws {
        let files: [String: String?] = ["segments/a.yaml": segmentFile(when: "{event: A}"), "templates/t.text.mustache": "hi"]
        let first = try Fixture(files).load().get().fingerprint
        #expect(first.count == 64)
        #expect(try Fixture(files).load().get().fingerprint == first)
        var changed = files
        changed["templates/t.text.mustache"] = "hello"
        #expect(try Fixture(changed).load().get().fingerprint != first)
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func summaryCountsInSingularAndPlural() {
        let set = LifecycleSet(id: "l", stages: [Stage(id: "a", condition: nil)])
        let config = AerConfiguration(
            directory: "c", server: ServerSettings(adminToken: "a"), ingest: IngestSettings(writeKeys: []),
            segments: [SegmentDefinition(id: "s", kind: .value, condition: .all([]))], lifecycles: [set],
            strategies: [Strategy(id: "x", aer: .retain, positioning: "p", triggers: [])],
            channels: [ChannelDefinition(id: "c", type: .exec, location: SourceLocation(file: "f", line: 1, column: 1))],
            templates: ["t": TemplateSource(name: "t", text: "", textPath: "t")])
        #expect(config.summary == "1 segment, 1 lifecycle set (1 stage), 1 strategy, 1 channel, 1 template")
    }

    @Test(arguments: [
        ("127.0.0.1:8088", ListenAddress(host: "127.0.0.1", port: 8088)), ("localhost:80", ListenAddress(host: "localhost", port: 80)),
        ("[::1]:8088", ListenAddress(host: "::1", port: 8088)), ("0.0.0.0:65535", ListenAddress(host: "0.0.0.0", port: 65535)),
    ])
    func listenAddresses(text: String, address: ListenAddress) {
        #expect(ListenAddress(parsing: text) == address)
        #expect(address.description == text)
    }

    @Test(arguments: ["8088", ":8088", "host:", "host:0", "host:65536", "::1:8088", "[::1]8088", "a b:1"])
    func invalidListenAddresses(text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }
}
