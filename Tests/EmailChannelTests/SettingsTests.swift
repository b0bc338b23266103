import AerPluginAPI
import Foundation
import Logging
import Testing

@testable import EmailChannel

/// The channel's YAML keys: defaults, decoding, and the setup errors an operator sees.
@Suite("Email channel settings")
struct SettingsTests {
    static func decode(_ json: String) throws(ChannelSetupError) -> SMTPChannel.Settings {
        try ChannelSettingsDecoder.decode(SMTPChannel.Settings.self, from: Data(json.utf8))
    }

    static func setupError(_ settings: SMTPChannel.Settings) -> ChannelSetupError? {
        do {
            let channel = try Fixture.channel(settings)
            Issue.record("expected a setup error")
            _ = channel
            return nil
        } catch {
            return error
        }
    }

    @Test("url and from are all it takes; the rest has defaults")
    func defaults() throws {
        let settings = try Self.decode(#"{"url": "smtp://mx.example:587", "from": "hello@stride.example"}"#)
        #expect(settings.starttls == nil)
        #expect(settings.insecureSkipVerify == false)
        #expect(settings.timeout == 30)
        #expect(settings.maxConnections == 4)
        #expect(settings.reuseConnections == true)
        #expect(try SMTPConfiguration(settings).security == .startTLS(required: true))
        let local = try Self.decode(#"{"url": "smtp://127.0.0.1:25", "from": "hello@stride.example"}"#)
        #expect(try SMTPConfiguration(local).security == .plain)
    }

    @Test("every key decodes from snake_case")
    func everyKey() throws {
        let settings = try Self.decode(
            #"""
            {"url": "smtp://mx.example:587", "from": "Stride <hello@stride.example>", "username": "u", "password": "p",
             "starttls": "opportunistic", "ca_file": "/etc/ssl/certs/ca-certificates.crt", "insecure_skip_verify": true,
             "timeout": "1500ms", "max_connections": 8, "reply_to": "support@stride.example",
             "list_unsubscribe_mailto": "unsubscribe@stride.example", "reuse_connections": false}
            """#)
        #expect(settings.starttls == .opportunistic)
        #expect(settings.caFile == "/etc/ssl/certs/ca-certificates.crt")
        #expect(settings.insecureSkipVerify)
        #expect(settings.timeout == 1.5)
        #expect(settings.maxConnections == 8)
        #expect(settings.replyTo == "support@stride.example")
        #expect(settings.listUnsubscribeMailto == "unsubscribe@stride.example")
        #expect(!settings.reuseConnections)
        #expect(Set(SMTPChannel.Settings.keys).count == SMTPChannel.Settings.keys.count)
    }

    @Test("a misspelt key is reported with the key it probably meant")
    func misspeltKey() {
        #expect(throws: ChannelSetupError.self) { try Self.decode(#"{"url": "smtp://a.example", "from": "a@b.example", "max_conections": 2}"#) }
        do {
            _ = try Self.decode(#"{"url": "smtp://a.example", "from": "a@b.example", "max_conections": 2}"#)
        } catch {
            #expect(error.description == "max_conections: unknown key; did you mean 'max_connections'?")
        }
    }

    @Test("starttls names its three values when given another")
    func badStartTLS() {
        do {
            _ = try Self.decode(#"{"url": "smtp://a.example", "from": "a@b.example", "starttls": "yes"}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "starttls")
            #expect(error.message.contains("required, opportunistic or never"))
        }
    }

    @Test("the password never shows in the settings' description")
    func redactedPassword() {
        let settings = SMTPChannel.Settings(url: "smtp://a.example", from: "a@b.example", username: "u", password: "hunter2")
        #expect(!settings.description.contains("hunter2"))
        #expect(!"\(settings)".contains("hunter2"))
    }

    @Test(
        "unusable settings are refused at setup, naming the key",
        arguments: [
            (SMTPChannel.Settings(url: "http://mx.example", from: "a@b.example"), "url"),
            (SMTPChannel.Settings(url: "smtp://", from: "a@b.example"), "url"),
            (SMTPChannel.Settings(url: "smtp://u:p@mx.example", from: "a@b.example"), "url"),
            (SMTPChannel.Settings(url: "smtps://mx.example", from: "a@b.example", starttls: .required), "starttls"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "Stride"), "from"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", username: "u"), "password"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", password: "p"), "username"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", caFile: "/nonexistent/ca.pem"), "ca_file"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", timeout: 0), "timeout"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", maxConnections: 0), "max_connections"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", replyTo: "nope"), "reply_to"),
            (SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example", listUnsubscribeMailto: "nope"), "list_unsubscribe_mailto"),
        ])
    func setupErrors(settings: SMTPChannel.Settings, key: String) {
        #expect(Self.setupError(settings)?.key == key)
    }

    @Test("list_unsubscribe_mailto takes an address or a mailto: URI")
    func mailto() throws {
        #expect(try SMTPChannel.mailtoURI("unsubscribe@stride.example") == "mailto:unsubscribe@stride.example?subject=unsubscribe")
        #expect(try SMTPChannel.mailtoURI("mailto:u@stride.example?subject=stop") == "mailto:u@stride.example?subject=stop")
    }

    @Test("STARTTLS modes map to libcurl's: required → all, opportunistic → try")
    func startTLSModes() throws {
        var settings = SMTPChannel.Settings(url: "smtp://mx.example", from: "a@b.example")
        settings.starttls = .opportunistic
        #expect(try SMTPConfiguration(settings).security == .startTLS(required: false))
        settings.starttls = .never
        #expect(try SMTPConfiguration(settings).security == .plain)
        #expect(try SMTPConfiguration(SMTPChannel.Settings(url: "smtps://mx.example", from: "a@b.example")).security == .implicitTLS)
        #expect(try SMTPConfiguration(SMTPChannel.Settings(url: "smtps://mx.example", from: "a@b.example")).endpoint == "smtps://mx.example:465")
    }
}
