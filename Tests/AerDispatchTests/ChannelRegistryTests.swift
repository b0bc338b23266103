import AerConfig
import AerCore
import AerDispatch
import AerJSON
import AerPluginAPI
import Logging
import Testing

private let context = ChannelContext(logger: Logger(label: "registry-test"), userAgent: "aerd/test")

private func definition(_ id: String, _ type: ChannelType, _ settings: JSONObject, line: Int = 30) -> ChannelDefinition {
    ChannelDefinition(id: id, type: type, settings: settings, location: SourceLocation(file: "config/aerd.yaml", line: line, column: 5))
}

private let email = definition("email", .email, ["url": "smtp://127.0.0.1:2525", "from": "Stride <hello@stride.example>"], line: 20)
private let sms = definition(
    "sms", .sms, ["base_url": "http://127.0.0.1:8099", "account_sid": "AC_example", "auth_token": "t", "from": "+4915112345678"], line: 25)
private let webhook = definition("hook", .webhook, ["url": "http://127.0.0.1:9000/aerd", "secret": .string(secret)])
private let exec = definition("script", .exec, ["command": ["/bin/cat"]], line: 35)

/// The diagnostics of building `definitions`, or [] when they build.
private func diagnostics(_ definitions: [ChannelDefinition]) async -> [String] {
    switch await ChannelRegistry.build(definitions, context: context) {
    case .success(let channels):
        await ChannelRegistry.shutdown(channels)
        return []
    case .failure(let errors):
        return errors.problems.map(\.description)
    }
}

@Suite("Channel registry")
struct ChannelRegistryTests {
    @Test("every channel type the configuration accepts has exactly one plugin")
    func everyTypeRegistered() {
        #expect(ChannelRegistry.types.sorted() == ChannelType.allCases.map(\.rawValue).sorted())
    }

    @Test("the four shipped channels build, with default limits and consent by type")
    func defaults() async throws {
        try await withChannels([email, sms, webhook, exec]) { channels in
            #expect(channels.keys.sorted() == ["email", "hook", "script", "sms"])
            #expect(channels["email"]?.type == "email")
            #expect(channels["sms"]?.limits == DispatchLimits(consent: ChannelConsent(.optIn, trait: "sms_opt_in")))
            #expect(channels["email"]?.consent == ChannelConsent(.optOut, trait: "email_opt_out"))
            #expect(channels["hook"]?.limits == DispatchLimits(
                concurrency: 4, rateLimit: nil, maxAttempts: 8, backoff: Backoff(initial: .seconds(30), max: .hours(1)), consent: .none))
            #expect(channels["script"]?.consent == ChannelConsent.none)
        }
    }

    @Test("host keys are read by aerd and never reach the plugin")
    func hostKeys() async throws {
        var settings = webhook.settings
        settings.merge([
            "concurrency": 2, "rate_limit": "600/m", "max_attempts": 3, "backoff": ["initial": "10s", "max": "10m"],
            "consent": "opt_in", "consent_trait": "crm_ok",
        ])
        try await withChannels([definition("hook", .webhook, settings)]) { channels in
            #expect(channels["hook"]?.limits == DispatchLimits(
                concurrency: 2, rateLimit: RateLimit(count: 600, per: .minutes(1)), maxAttempts: 3,
                backoff: Backoff(initial: .seconds(10), max: .minutes(10)), consent: ChannelConsent(.optIn, trait: "crm_ok")))
        }
    }

    @Test("a consent mode without a trait uses <type>_<mode>; a trait alone changes the default mode's trait")
    func consentTraits() async throws {
        var hook = webhook.settings
        hook["consent"] = "opt_out"
        var text = sms.settings
        text["consent_trait"] = "phone_ok"
        try await withChannels([definition("hook", .webhook, hook), definition("sms", .sms, text)]) { channels in
            #expect(channels["hook"]?.consent == ChannelConsent(.optOut, trait: "webhook_opt_out"))
            #expect(channels["sms"]?.consent == ChannelConsent(.optIn, trait: "phone_ok"))
        }
    }

    @Test("a plugin's own errors name the file, line, column, channel and key")
    func pluginErrors() async {
        var typo = webhook.settings
        typo["timout"] = 5
        var noToken = sms.settings
        noToken["auth_token"] = nil
        #expect(await diagnostics([definition("hook", .webhook, typo), definition("sms", .sms, noToken, line: 40)]) == [
            "config/aerd.yaml:30:5: error: channel 'hook': timout: unknown key; did you mean 'timeout'?",
            "config/aerd.yaml:40:5: error: channel 'sms': auth_token: missing required key",
        ])
    }

    @Test("bad host keys are each reported with what to write instead")
    func badHostKeys() async {
        var settings = webhook.settings
        settings.merge([
            "concurrency": 0, "rate_limit": "fast", "max_attempts": 1000, "backoff": ["initial": "soon", "jitter": true],
            "consent": "maybe",
        ])
        #expect(await diagnostics([definition("hook", .webhook, settings)]) == [
            "config/aerd.yaml:30:5: error: channel 'hook': concurrency: must be a whole number from 1 to 1000 (sends in flight at once), got 0",
            "config/aerd.yaml:30:5: error: channel 'hook': rate_limit: 'fast' is not a rate; write COUNT/PERIOD, e.g. 10/s, 600/m or 100/15m",
            "config/aerd.yaml:30:5: error: channel 'hook': max_attempts: must be a whole number from 1 to 100 (attempts before a message is dead), got 1000",
            "config/aerd.yaml:30:5: error: channel 'hook': backoff.jitter: unknown key; expected initial or max",
            "config/aerd.yaml:30:5: error: channel 'hook': backoff.initial: 'soon' is not a duration; write a whole number and a unit: 90s, 15m, 2h, 3d or 8w",
            "config/aerd.yaml:30:5: error: channel 'hook': consent: 'maybe' is not a consent mode; write one of opt_in, opt_out, none",
        ])
    }

    @Test("more host key mistakes: a fractional concurrency, a backoff that shrinks, a trait without consent, a string count")
    func moreHostKeys() async {
        var first = webhook.settings
        first.merge(["concurrency": 2.5, "backoff": ["initial": "1h", "max": "1m"], "consent_trait": "crm_ok"])
        var second = webhook.settings
        second.merge(["max_attempts": "3", "backoff": "30s", "consent": "none", "consent_trait": ""])
        #expect(await diagnostics([definition("hook", .webhook, first), definition("hook2", .webhook, second, line: 50)]) == [
            "config/aerd.yaml:30:5: error: channel 'hook': concurrency: must be a whole number from 1 to 1000 (sends in flight at once), got 2.5",
            "config/aerd.yaml:30:5: error: channel 'hook': backoff.max: must not be shorter than backoff.initial (1h), got 1m",
            "config/aerd.yaml:30:5: error: channel 'hook': consent_trait: has no effect: a webhook channel needs no consent unless consent: says so; set consent: opt_in or opt_out, or remove consent_trait",
            "config/aerd.yaml:50:5: error: channel 'hook2': max_attempts: must be a whole number from 1 to 100 (attempts before a message is dead), got '3'",
            "config/aerd.yaml:50:5: error: channel 'hook2': backoff: expected a mapping such as {initial: 30s, max: 1h}, got '30s'",
            "config/aerd.yaml:50:5: error: channel 'hook2': consent_trait: expected the name of a customer trait, e.g. webhook_opt_in, got ''",
        ])
    }

    @Test("a bad host key and a bad plugin key of one channel are both reported; good channels are not returned")
    func everyProblem() async {
        var settings = webhook.settings
        settings.merge(["rate_limit": "10/fortnight", "url": "ftp://example.com"])
        let result = await ChannelRegistry.build([exec, definition("hook", .webhook, settings)], context: context)
        guard case .failure(let errors) = result else {
            Issue.record("expected the build to fail")
            return
        }
        #expect(errors.diagnostics.map(\.message) == [
            "channel 'hook': rate_limit: '10/fortnight' is not a rate; write COUNT/PERIOD, e.g. 10/s, 600/m or 100/15m",
            "channel 'hook': url: 'ftp://example.com' is not an http(s) URL such as https://example.com/hooks/aerd",
        ])
        #expect(errors.description.split(separator: "\n").count == 2)
    }

    @Test("a mistyped webhook URL is reported without its path, where providers put secrets")
    func badURLHidesSecret() async {
        var settings = webhook.settings
        settings["url"] = "htps://hooks.example.com/services/T0/B0/s3cr3t"
        let result = await ChannelRegistry.build([definition("hook", .webhook, settings)], context: context)
        guard case .failure(let errors) = result else {
            Issue.record("expected the build to fail")
            return
        }
        #expect(errors.diagnostics.map(\.message) == [
            "channel 'hook': url: 'htps://hooks.example.com/…' is not an http(s) URL such as https://example.com/hooks/aerd",
        ])
        #expect(!errors.description.contains("s3cr3t"))
    }

    @Test("a channel id defined twice is an error")
    func duplicate() async {
        #expect(await diagnostics([webhook, webhook]) == [
            "config/aerd.yaml:30:5: error: channel 'hook': defined twice; channel ids must be unique",
        ])
    }

    @Test("check builds and shuts down, for aerd validate")
    func check() async {
        #expect(await ChannelRegistry.check([email, sms, webhook, exec], context: context) == nil)
        var settings = exec.settings
        settings["command"] = []
        let errors = await ChannelRegistry.check([definition("script", .exec, settings)], context: context)
        #expect(errors?.description == "config/aerd.yaml:30:5: error: channel 'script': command: must name a program, e.g. [/usr/local/bin/notify, --flag]")
    }
}
