import AerConfig
import Testing

/// Each class of mistake is reported at the offending YAML node, with the exact message and hint.
@Suite struct DiagnosticsTests {
    // MARK: Format

    @Test func descriptionIsFileLineColumnErrorMessageAndHint() {
        let diagnostic = Diagnostic(file: "config/segments/intent.yaml", line: 4, column: 11, message: "unknown segment kind 'intnt'",
                                    hint: "did you mean 'intent'?")
        #expect(diagnostic.description == "config/segments/intent.yaml:4:11: error: unknown segment kind 'intnt'; did you mean 'intent'?")
        #expect(Diagnostic(file: "a.yaml", line: 1, column: 2, message: "m").description == "a.yaml:1:2: error: m")
    }

    @Test func pathsAreTheDirectoryAsGivenJoinedWithTheRelativePath() {
        let fixture = Fixture(["segments/a.yaml": "segmets: []\n"])
        let withSlash = ConfigLoader.load(directory: fixture.directory + "/", environment: [:])
        guard case .failure(let errors) = withSlash else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.description == "\(fixture.directory)/segments/a.yaml:1:1: error: unknown key 'segmets' in a segments file; did you mean 'segments'?")
    }

    // MARK: YAML

    @Test func yamlSyntaxErrorsAreReportedAtTheirPosition() {
        let fixture = Fixture(["segments/a.yaml": "segments:\n  - id: a\n    when: {event: X\n"])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:1: error: invalid YAML: did not find expected ',' or '}'; while parsing a flow mapping at line 3, column 11",
        ])
    }

    @Test func duplicateYamlKeysAreReported() {
        let fixture = Fixture(["segments/a.yaml": "segments:\n  - id: a\n    id: b\n"])
        #expect(fixture.errors() == ["DIR/segments/a.yaml:2:5: error: duplicate key 'id' in one mapping; a key may appear only once in a mapping"])
    }

    @Test func emptyFilesAreFine() {
        let fixture = Fixture(["segments/empty.yaml": "", "strategies/empty.yaml": "# nothing yet\n"])
        #expect(fixture.errors() == [])
    }

    @Test func theTopOfAFileMustBeAMapping() {
        let fixture = Fixture(["strategies/a.yaml": "- id: x\n"])
        #expect(fixture.errors() == ["DIR/strategies/a.yaml:1:1: error: expected a mapping at the top of the file, got a list; start with strategies:"])
    }

    @Test func aMissingAerdYamlIsReported() {
        let fixture = Fixture(["aerd.yaml": nil])
        #expect(fixture.errors() == ["DIR/aerd.yaml:1:1: error: missing aerd.yaml; every config directory needs aerd.yaml with server: and ingest:"])
    }

    @Test func aMissingDirectoryIsReported() {
        let result = ConfigLoader.load(directory: "/nonexistent/aerd-config", environment: [:])
        guard case .failure(let errors) = result else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.description == "/nonexistent/aerd-config:1:1: error: cannot read config directory (no such directory); pass the directory that holds aerd.yaml, such as --config config")
    }

    // MARK: Keys

    @Test func unknownKeysSuggestANearMissInsteadOfReportingTheRequiredKeyMissing() {
        let fixture = Fixture(["strategies/a.yaml": """
            strategies:
              - id: x
                aer: retain
                positoning: "For someone"
                triggers: []

            """])
        #expect(fixture.errors() == [
            "DIR/strategies/a.yaml:4:5: error: unknown key 'positoning' in strategy; did you mean 'positioning'?",
            "DIR/strategies/a.yaml:5:15: error: 'triggers' needs at least one trigger",
        ])
    }

    @Test func unknownKeysWithoutANearMissListTheAllowedKeys() {
        let fixture = Fixture(["aerd.yaml": Fixture.mainFile + "metrics: {port: 9100}\n"])
        #expect(fixture.errors() == [
            "DIR/aerd.yaml:6:1: error: unknown key 'metrics' in aerd.yaml; allowed keys: server, state_dir, store, ingest, defaults, channels, analytics, opt_out, log",
        ])
    }

    @Test func missingRequiredKeysAreReportedAtTheMapping() {
        let fixture = Fixture(["segments/a.yaml": "segments:\n  - id: a\n    when: {event: X}\n"])
        #expect(fixture.errors() == ["DIR/segments/a.yaml:2:5: error: missing required key 'kind'"])
    }

    @Test func emptyValuesOfRequiredKeysAreReportedAtTheKey() {
        let fixture = Fixture(["segments/a.yaml": "segments:\n  - id: a\n    kind:\n    when: {event: X}\n"])
        #expect(fixture.errors() == ["DIR/segments/a.yaml:3:5: error: missing value for 'kind'"])
    }

    // MARK: Types

    @Test func wrongTypesSayWhatWasExpected() {
        let fixture = Fixture([
            "segments/a.yaml": segmentFile(when: "{all: Product Viewed}"),
            "segments/b.yaml": "segments:\n  - id: b\n    kind: value\n    when: [{event: X}]\n",
            "segments/c.yaml": "segments: {id: c}\n",
        ])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:17: error: expected a list of conditions, got a string",
            "DIR/segments/b.yaml:4:11: error: expected a condition, got a list; a condition is a mapping such as {event: Order Completed, within: 30d}",
            "DIR/segments/c.yaml:1:11: error: expected a list of segments, got a mapping",
        ])
    }

    @Test func booleansAreYamlOnePointTwo() {
        let fixture = Fixture(["segments/a.yaml": segmentFile(when: "{trait: email, exists: yes}")])
        #expect(fixture.errors() == ["DIR/segments/a.yaml:4:34: error: expected true or false, got a string; aerd reads YAML 1.2, where 'yes' is a string"])
    }

    // MARK: Values

    @Test func badDurationsShowTheSyntax() {
        let fixture = Fixture(["segments/a.yaml": segmentFile(when: "{event: X, within: 3 days}")])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:30: error: '3 days' is not a duration; write a whole number and a unit: 90s, 15m, 2h, 3d or 8w",
        ])
    }

    @Test func numbersAreNotDurations() {
        let fixture = Fixture(["segments/a.yaml": segmentFile(when: "{first_seen: {within: 30}}")])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:33: error: expected a duration, got a number; write a whole number and a unit: 90s, 15m, 2h, 3d or 8w",
        ])
    }

    @Test func badComparisonsShowTheSyntax() {
        let fixture = Fixture(["segments/a.yaml": segmentFile(when: "{event: X, count: at least 3}")])
        #expect(fixture.errors() == [
            #"DIR/segments/a.yaml:4:29: error: 'at least 3' is not a comparison; write an operator and a number, such as ">= 3", "= 0" or "< 2""#,
        ])
    }

    @Test func aggregatesNeedExactlyOneComparison() {
        let fixture = Fixture([
            "segments/a.yaml": segmentFile(when: "{sum: revenue, event: Order Completed}"),
            "segments/b.yaml": segmentFile(when: #"{max: revenue, event: Order Completed, ">": 1, "<": 9}"#).replacingOccurrences(of: "id: s", with: "id: t"),
        ])
        #expect(fixture.errors() == [
            #"DIR/segments/a.yaml:4:11: error: missing a comparison; add one of =, !=, >, >=, <, <= with a number, such as ">=": 500"#,
            "DIR/segments/b.yaml:4:58: error: '>' and '<' cannot be used together",
        ])
    }

    @Test func conditionsNeedExactlyOneHead() {
        let fixture = Fixture([
            "segments/a.yaml": segmentFile(when: "{event: X, trait: vip, equals: true}"),
            "segments/b.yaml": segmentFile(when: "{evnt: X}").replacingOccurrences(of: "id: s", with: "id: t"),
            "segments/c.yaml": segmentFile(when: "{within: 3d}").replacingOccurrences(of: "id: s", with: "id: u"),
        ])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:22: error: 'event' and 'trait' cannot be in one condition; combine conditions with all: [...] or any: [...]",
            "DIR/segments/b.yaml:4:12: error: unknown key 'evnt' in condition; did you mean 'event'?",
            "DIR/segments/c.yaml:4:11: error: a condition needs one of the keys all, any, not, event, sum, avg, min, max, trait, first_seen, last_seen, since_last, predicted",
        ])
    }

    @Test func emptyAllAndAnyListsAreRejected() {
        let fixture = Fixture(["segments/a.yaml": segmentFile(when: "{any: [{all: []}]}")])
        #expect(fixture.errors() == ["DIR/segments/a.yaml:4:24: error: 'all' needs at least one condition"])
    }

    @Test func unknownOperatorsAndPredictionsSuggestTheRightOne() {
        let fixture = Fixture([
            "segments/a.yaml": segmentFile(when: "{event: X, where: {plan: {equal: pro}}}"),
            "segments/b.yaml": segmentFile(when: #"{predicted: palive, "<": 0.3}"#).replacingOccurrences(of: "id: s", with: "id: t"),
        ])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:37: error: unknown key 'equal' in filter on 'plan'; did you mean 'equals'?",
            "DIR/segments/b.yaml:4:23: error: unknown prediction 'palive'; did you mean 'p_alive'?",
        ])
    }

    @Test func invalidIdsAreRejected() {
        let fixture = Fixture(["segments/a.yaml": "segments:\n  - id: Cart-Abandoner\n    kind: intent\n    when: {event: X}\n"])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:2:9: error: 'Cart-Abandoner' is not a valid id; ids are lowercase letters, digits and underscores, starting with a letter",
        ])
    }

    @Test func unknownTimeZonesAreRejected() {
        let fixture = Fixture(["aerd.yaml": Fixture.mainFile + "defaults: {timezone: Europe/Berln}\n"])
        #expect(fixture.errors() == ["DIR/aerd.yaml:6:22: error: unknown time zone 'Europe/Berln'; did you mean 'Europe/Berlin'?"])
    }

    @Test func holdoutMustBeBetweenZeroAndAHundredPercent() {
        let fixture = Fixture(["strategies/a.yaml": strategy(policy: "{holdout: 150%}") + strategy(id: "y", policy: "{holdout: 1.5}"),
            "templates/t.text.mustache": "hi",
        ])
        #expect(fixture.errors() == [
            "DIR/strategies/a.yaml:5:23: error: holdout must be between 0% and 100%, got 150%; write a percentage such as 10% or a fraction such as 0.1",
            "DIR/strategies/a.yaml:12:23: error: holdout must be between 0% and 100%, got 1.5; write a percentage such as 10% or a fraction such as 0.1",
        ])
    }

    @Test func badQuietHoursAndListenAddressesAndSizes() {
        let fixture = Fixture([
            "aerd.yaml": """
                server: {admin_token: a, listen: localhost, max_body: 2GB}
                ingest: {write_keys: [{source: web, key: k1}]}
                defaults: {quiet_hours: {from: "25:00", to: 08:00}}

                """,
        ])
        #expect(fixture.errors() == [
            "DIR/aerd.yaml:1:34: error: 'localhost' is not a listen address; write HOST:PORT, such as 127.0.0.1:8088 or [::1]:8088",
            "DIR/aerd.yaml:1:55: error: '2GB' is not a size; write bytes or a size with a unit: 512KiB, 2MiB, 1MB",
            "DIR/aerd.yaml:3:32: error: '25:00' is not a time of day; write HH:MM in 24-hour time, such as \"21:00\"",
        ])
    }

    // MARK: Duplicates

    @Test func duplicateIdsAreReportedAtTheSecondWithTheFirstLocation() {
        let fixture = Fixture([
            "segments/a.yaml": """
                segments:
                  - {id: vip, kind: value, when: {trait: vip, equals: true}}
                lifecycles:
                  - id: vip
                    stages:
                      - {id: new, when: {first_seen: {within: 30d}}}
                      - {id: new, when: {first_seen: {within: 60d}}}
                    fallback: old

                """,
            "strategies/a.yaml": strategy() + strategy(header: false),
            "templates/t.text.mustache": "hi",
        ])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:4:9: error: duplicate lifecycle set id 'vip'; first defined at DIR/segments/a.yaml:2:10",
            "DIR/segments/a.yaml:7:14: error: duplicate stage id 'new' in lifecycle set 'vip'; first defined at DIR/segments/a.yaml:6:14",
            "DIR/strategies/a.yaml:8:9: error: duplicate strategy id 'x'; first defined at DIR/strategies/a.yaml:2:9",
        ])
    }

    @Test func duplicateChannelAndTriggerIds() {
        let fixture = Fixture([
            "aerd.yaml": Fixture.mainFile + "  - {id: sms, type: webhook}\n",
            "strategies/a.yaml": """
                strategies:
                  - id: x
                    aer: acquire
                    positioning: p
                    triggers:
                      - {on: {event: A}, actions: [{channel: sms, template: t}]}
                      - {id: t0, on: {event: B}, actions: [{channel: sms, template: t}]}

                """,
            "templates/t.text.mustache": "hi",
        ])
        #expect(fixture.errors() == [
            "DIR/aerd.yaml:6:10: error: duplicate channel id 'sms'; first defined at DIR/aerd.yaml:5:10",
            "DIR/strategies/a.yaml:7:14: error: duplicate trigger id 't0' in strategy 'x'; first defined at DIR/strategies/a.yaml:6:9",
        ])
    }

    // MARK: Lifecycle sets

    @Test func lifecycleSetsNeedAFallbackThatIsNotAListedStage() {
        let fixture = Fixture([
            "segments/a.yaml": """
                lifecycles:
                  - id: one
                    stages: [{id: a, when: {event: A}}]
                  - id: two
                    stages: [{id: a, when: {event: A}}]
                    fallback: a

                """,
        ])
        #expect(fixture.errors() == [
            "DIR/segments/a.yaml:2:5: error: missing required key 'fallback'; name the stage of customers no stage matches, such as fallback: prospect",
            "DIR/segments/a.yaml:6:15: error: fallback 'a' is also a listed stage; the fallback has no condition: remove 'a' from stages (listed at DIR/segments/a.yaml:5:19) or name another fallback",
        ])
    }

    // MARK: References

    @Test func unknownReferencesAreReportedWithSuggestions() {
        let fixture = Fixture([
            "segments/a.yaml": """
                segments:
                  - {id: cart_abandoner, kind: intent, when: {event: Product Added}}
                lifecycles:
                  - id: lifecycle
                    stages: [{id: active, when: {event: Order Completed, within: 60d}}]
                    fallback: lapsed

                """,
            "strategies/a.yaml": """
                strategies:
                  - id: x
                    aer: retain
                    positioning: p
                    policy: {frequency_cap: {max: 1, per: 1d, channel: push}}
                    triggers:
                      - on: {enter: cart_abandoners}
                        actions: [{channel: emial, template: welcome}]
                      - on: {migration: {set: lifecycles, to: lapsed}}
                        actions: [{channel: sms, template: t}]
                      - on: {migration: {from: [active, activ], to: lost}}
                        actions: [{channel: sms, template: t}]
                      - on: {exit: lifecycle}
                        actions: [{channel: sms, template: t}]

                """,
            "templates/t.text.mustache": "hi",
        ])
        #expect(fixture.errors() == [
            "DIR/strategies/a.yaml:5:56: error: unknown channel 'push'; channels in aerd.yaml: email, sms",
            "DIR/strategies/a.yaml:7:21: error: unknown segment 'cart_abandoners'; did you mean 'cart_abandoner'?",
            "DIR/strategies/a.yaml:8:29: error: unknown channel 'emial'; did you mean 'email'?",
            "DIR/strategies/a.yaml:8:46: error: unknown template 'welcome'; add templates/welcome.text.mustache",
            "DIR/strategies/a.yaml:9:31: error: unknown lifecycle set 'lifecycles'; did you mean 'lifecycle'?",
            "DIR/strategies/a.yaml:11:41: error: unknown stage 'activ' in lifecycle set 'lifecycle'; did you mean 'active'?",
            "DIR/strategies/a.yaml:11:53: error: unknown stage 'lost' in lifecycle set 'lifecycle'; stages: active, lapsed",
            "DIR/strategies/a.yaml:13:20: error: 'lifecycle' is a lifecycle set, not a segment; to act on its stages write on: {migration: {set: lifecycle, to: STAGE}}",
        ])
    }

    @Test func migrationsNeedASetWhenThereAreSeveral() {
        let fixture = Fixture([
            "segments/a.yaml": """
                lifecycles:
                  - {id: one, stages: [{id: a, when: {event: A}}], fallback: b}
                  - {id: two, stages: [{id: a, when: {event: A}}], fallback: b}

                """,
            "strategies/a.yaml": strategy(on: "{migration: {to: a}}"),
            "templates/t.text.mustache": "hi",
        ])
        #expect(fixture.errors() == ["DIR/strategies/a.yaml:6:25: error: missing required key 'set'; there are several lifecycle sets: one, two"])
    }

    @Test func stagesAreNotSegmentsAndMigrationsMustMove() {
        let fixture = Fixture([
            "segments/a.yaml": "lifecycles:\n  - {id: lifecycle, stages: [{id: active, when: {event: A}}], fallback: lapsed}\n",
            "strategies/a.yaml": strategy(on: "{enter: active}") + strategy(id: "y", on: "{migration: {from: active, to: active}}"),
            "templates/t.text.mustache": "hi",
        ])
        #expect(fixture.errors() == [
            "DIR/strategies/a.yaml:6:21: error: 'active' is a stage of lifecycle set 'lifecycle', not a segment; to act on customers moving into it write on: {migration: {set: lifecycle, to: active}}",
            "DIR/strategies/a.yaml:12:44: error: a migration cannot go from 'active' to 'active'; a migration is a move between two different stages",
        ])
    }

    // MARK: Templates

    @Test func strayTemplateFilesAndMissingTextPartsAreReported() {
        let fixture = Fixture([
            "templates/welcome.txt": "hi",
            "templates/promo.html.mustache": "<p>hi</p>",
            "templates/ok.text.mustache": "hi",
        ])
        #expect(fixture.errors() == [
            "DIR/templates/promo.html.mustache:1:1: error: template 'promo' has no text part; add templates/promo.text.mustache; the plain-text part is required",
            "DIR/templates/welcome.txt:1:1: error: unexpected file 'welcome.txt' in templates/; name template files NAME.text.mustache, NAME.html.mustache or NAME.subject.mustache",
        ])
    }

    // MARK: Helpers

    /// A strategies file entry; the `strategies:` header comes first for the default id unless `header` says otherwise.
    func strategy(id: String = "x", policy: String? = nil, on: String = "{event: A}", header: Bool? = nil) -> String {
        (header ?? (id == "x") ? "strategies:\n" : "") + """
              - id: \(id)
                aer: retain
                positioning: p

            """ + (policy.map { "    policy: \($0)\n" } ?? "") + """
                triggers:
                  - on: \(on)
                    actions: [{channel: sms, template: t}]

            """
    }
}
