import AerPluginAPI
import ChannelTestKit
import Foundation
import Testing

@testable import EmailChannel

/// The email channel against a real SMTP server on loopback: what arrives, and how failures are judged.
@Suite("Email delivery over SMTP")
struct DeliveryTests {
    static let text = "Hallo Jürgen,\n\nwir vermissen dich. Hier sind 20 % Rabatt = ein guter Grund, wieder vorbeizuschauen, auf alles im Shop, bis Sonntag.\n.\n..two dots\n.leading dot\ntrailing space \nEnde"
    static let html = "<!doctype html>\r\n<p>Hallo J&uuml;rgen &amp; Co., 20&nbsp;% Rabatt: <a href=\"https://stride.example/?a=1&amp;b=2\">jetzt shoppen</a> – nur bis Sonntag, solange der Vorrat reicht.</p>\r\n.\r\n<p>Ünïcödé ✓ =3D</p>"
    static let subject = "Wir vermissen dich, Jürgen! 20 % Rabatt auf deine nächste Bestellung bei Stride 👟"
    static let unsubscribe = "https://stride.example/u/7f3a9c?c=email&s=retain_drifting"

    @Test("a message arrives with every header right and both parts byte for byte")
    func completeMessage() async throws {
        try await SMTPTestServer.with { server in
            var settings = Fixture.settings(server)
            settings.replyTo = "Stride Support <support@stride.example>"
            settings.listUnsubscribeMailto = "unsubscribe@stride.example"
            let channel = try Fixture.channel(settings)
            let receipt = try await channel.deliver(
                Fixture.message(
                    to: "juergen@example.com", name: "Jürgen Müller", subject: Self.subject, text: Self.text,
                    html: Self.html, unsubscribeURL: Self.unsubscribe))
            await channel.shutdown()

            #expect(receipt.detail == "250 2.0.0 Ok: queued as Q00001")
            #expect(receipt.providerMessageId == "Q00001")
            #expect(receipt.metadata["message_id"] == "<retain_drifting%3At0%3Acust-42%3Am7%3A0@stride.example>")

            let received = try server.received()
            try #require(received.count == 1)
            let message = received[0]
            #expect(message.mailFrom == "hello@stride.example")
            #expect(message.rcptTos == ["juergen@example.com"])
            #expect(message.parsed.defects == [])
            #expect(
                message.headerNames == [
                    "From", "To", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "List-Unsubscribe",
                    "List-Unsubscribe-Post", "Content-Type",
                ])
            #expect(message.parsed.addresses["From"] == [["Stride Sneakers", "hello@stride.example"]])
            #expect(message.parsed.addresses["To"] == [["Jürgen Müller", "juergen@example.com"]])
            #expect(message.parsed.addresses["Reply-To"] == [["Stride Support", "support@stride.example"]])
            #expect(message.header("Subject") == Self.subject)
            #expect(message.header("Date") == "Tue, 01 Jul 2025 09:05:03 +0000")
            #expect(message.parsed.date == "2025-07-01T09:05:03+00:00")
            #expect(message.header("Message-ID") == "<retain_drifting%3At0%3Acust-42%3Am7%3A0@stride.example>")
            #expect(message.header("MIME-Version") == "1.0")
            #expect(
                message.header("List-Unsubscribe")
                    == "<\(Self.unsubscribe)>, <mailto:unsubscribe@stride.example?subject=unsubscribe>")
            #expect(message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
            #expect(message.header("Bcc") == nil)
            #expect(message.parsed.contentType == "multipart/alternative")

            try #require(message.parsed.parts.count == 2)
            let (plain, html) = (message.parsed.parts[0], message.parsed.parts[1])
            #expect(plain.contentType == "text/plain")
            #expect(plain.charset == "utf-8")
            #expect(plain.text == Self.text.replacingOccurrences(of: "\n", with: "\r\n"))
            #expect(html.contentType == "text/html")
            #expect(html.charset == "utf-8")
            #expect(html.bytes == Array(Self.html.utf8))
            #expect(["quoted-printable", "base64"].contains(plain.transferEncoding ?? ""))

            let raw = message.raw
            let rawText = String(decoding: raw, as: UTF8.self)
            let headerEnd = try #require(rawText.range(of: "\r\n\r\n"))
            let headerLines = rawText[..<headerEnd.lowerBound].components(separatedBy: "\r\n")
            #expect(!headerLines.contains { $0.lowercased().hasPrefix("bcc:") })
            #expect(headerLines.allSatisfy { $0.utf8.count <= 78 }, "a header line is longer than 78 characters")
            #expect(headerLines.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }, "a header is not ASCII")
            let bodyLines = rawText[headerEnd.upperBound...].components(separatedBy: "\r\n")
            #expect(bodyLines.allSatisfy { $0.utf8.count <= 76 }, "a body line is longer than 76 characters")
            #expect(Self.hasOnlyCRLF(raw))
        }
    }

    @Test("a line holding only a dot arrives intact: libcurl dot-stuffs the DATA")
    func dotStuffing() async throws {
        try await SMTPTestServer.with { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            let text = ".\r\n..\r\n.signature\r\nafter the dots\r\n.\r\n"
            _ = try await channel.deliver(Fixture.message(text: text))
            await channel.shutdown()
            let received = try server.received()
            try #require(received.count == 1)
            #expect(received[0].parsed.parts.map(\.text) == [text])
            // The server undid the stuffing, so the message holds the lone dot line as it was sent.
            #expect(String(decoding: received[0].raw, as: UTF8.self).contains("\r\n.\r\n..\r\n.signature\r\n"))
        }
    }

    @Test("without html the message is a single text/plain part; no unsubscribe header without a URL")
    func textOnly() async throws {
        try await SMTPTestServer.with { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            _ = try await channel.deliver(Fixture.message(name: nil, subject: "Plain", text: "Just text."))
            await channel.shutdown()
            let message = try #require(try server.received().first)
            #expect(message.parsed.contentType == "text/plain")
            #expect(message.parsed.parts.map(\.text) == ["Just text."])
            #expect(message.parsed.addresses["To"] == [["", "ada@example.com"]])
            #expect(message.header("List-Unsubscribe") == nil)
            #expect(message.header("List-Unsubscribe-Post") == nil)
            #expect(message.header("Content-Transfer-Encoding") == "quoted-printable")
        }
    }

    @Test("a display name with specials is quoted; an http unsubscribe URL off loopback is left out")
    func quotedNameAndPlainHTTPUnsubscribe() async throws {
        try await SMTPTestServer.with { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            _ = try await channel.deliver(
                Fixture.message(name: "Lovelace, Ada \"Countess\"", unsubscribeURL: "http://stride.example/u/1"))
            _ = try await channel.deliver(
                Fixture.message(key: "k2", unsubscribeURL: "http://127.0.0.1:8080/u/1"))
            await channel.shutdown()
            let received = try server.received()
            try #require(received.count == 2)
            #expect(received[0].parsed.addresses["To"] == [["Lovelace, Ada \"Countess\"", "ada@example.com"]])
            #expect(received[0].header("List-Unsubscribe") == nil)
            #expect(received[0].header("List-Unsubscribe-Post") == nil)
            #expect(received[1].header("List-Unsubscribe") == "<http://127.0.0.1:8080/u/1>")
            #expect(received[1].header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
        }
    }

    @Test("every attempt of a message carries the same Message-ID, derived from the idempotency key")
    func stableMessageID() async throws {
        try await SMTPTestServer.with { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            _ = try await channel.deliver(Fixture.message(key: "s1.t2/c 3", attempt: 1))
            _ = try await channel.deliver(Fixture.message(key: "s1.t2/c 3", attempt: 2))
            _ = try await channel.deliver(Fixture.message(key: "s1.t2/c 4", attempt: 1))
            await channel.shutdown()
            let ids = try server.received().map { $0.header("Message-ID") }
            #expect(ids == ["<s1%2Et2/c%203@stride.example>", "<s1%2Et2/c%203@stride.example>", "<s1%2Et2/c%204@stride.example>"])
        }
    }

    // MARK: TLS and AUTH

    @Test("STARTTLS upgrades the session, trusting a self-signed certificate through ca_file")
    func startTLS() async throws {
        try await SMTPTestServer.with(tls: .starttls) { server in
            var settings = Fixture.settings(server)
            settings.starttls = .required
            settings.caFile = server.certificate
            let channel = try Fixture.channel(settings)
            let receipt = try await channel.deliver(Fixture.message())
            await channel.shutdown()
            #expect(receipt.detail.hasPrefix("250 "))
            #expect(try server.received().map(\.tls) == [true])
        }
    }

    @Test("STARTTLS to a certificate nobody vouches for is a retry that names ca_file")
    func untrustedCertificate() async throws {
        try await SMTPTestServer.with(tls: .starttls) { server in
            var settings = Fixture.settings(server)
            settings.starttls = .required
            let channel = try Fixture.channel(settings)
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            await channel.shutdown()
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("ca_file") == true)
            #expect(try server.received().isEmpty)
        }
    }

    @Test("insecure_skip_verify accepts the unverifiable certificate (tests only)")
    func insecureSkipVerify() async throws {
        try await SMTPTestServer.with(tls: .starttls) { server in
            var settings = Fixture.settings(server)
            settings.starttls = .required
            settings.insecureSkipVerify = true
            let channel = try Fixture.channel(settings)
            _ = try await channel.deliver(Fixture.message())
            await channel.shutdown()
            #expect(try server.received().map(\.tls) == [true])
        }
    }

    @Test("starttls: required refuses a server without STARTTLS; opportunistic goes on in plain text")
    func startTLSNotOffered() async throws {
        try await SMTPTestServer.with { server in
            var settings = Fixture.settings(server)
            settings.starttls = .required
            let strict = try Fixture.channel(settings)
            let error = await deliveryError { () async throws(DeliveryError) in try await strict.deliver(Fixture.message()) }
            await strict.shutdown()
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("STARTTLS") == true)
            #expect(try server.received().isEmpty)

            settings.starttls = .opportunistic
            let lenient = try Fixture.channel(settings)
            _ = try await lenient.deliver(Fixture.message())
            await lenient.shutdown()
            #expect(try server.received().map(\.tls) == [false])
        }
    }

    @Test("smtps:// speaks TLS from the first byte")
    func implicitTLS() async throws {
        try await SMTPTestServer.with(tls: .implicit) { server in
            var settings = Fixture.settings(server, scheme: "smtps", host: "localhost")
            settings.caFile = server.certificate
            let channel = try Fixture.channel(settings)
            _ = try await channel.deliver(Fixture.message())
            await channel.shutdown()
            #expect(try server.received().map(\.tls) == [true])
        }
    }

    @Test("AUTH with the configured username and password, after STARTTLS")
    func authentication() async throws {
        try await SMTPTestServer.with(tls: .starttls, auth: "stride:s3cret") { server in
            var settings = Fixture.settings(server)
            settings.starttls = .required
            settings.caFile = server.certificate
            settings.username = "stride"
            settings.password = "s3cret"
            let channel = try Fixture.channel(settings)
            _ = try await channel.deliver(Fixture.message())
            await channel.shutdown()
            let received = try server.received()
            #expect(received.map(\.login) == ["stride"])
            #expect(received.map(\.tls) == [true])
        }
    }

    @Test("a refused login (535) is permanent and says to check the credentials")
    func authenticationFailure() async throws {
        try await SMTPTestServer.with(auth: "stride:s3cret") { server in
            var settings = Fixture.settings(server)
            settings.username = "stride"
            settings.password = "wrong"
            let channel = try Fixture.channel(settings)
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            await channel.shutdown()
            #expect(error?.disposition == .permanent)
            #expect(error?.message.contains("535") == true)
            #expect(error?.message.contains("username and password") == true)
            #expect(error?.message.contains("wrong") == false)
            #expect(try server.received().isEmpty)
        }
    }

    // MARK: Failures

    @Test("a 4xx reply to RCPT is a retry carrying the server's words")
    func temporaryRejection() async throws {
        try await SMTPTestServer.with(rcptReply: "451 4.3.0 Mailbox busy, try later") { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            await channel.shutdown()
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("451 4.3.0 Mailbox busy, try later") == true)
        }
    }

    @Test("a 5xx reply to RCPT is permanent, carrying the server's words")
    func permanentRejection() async throws {
        try await SMTPTestServer.with(rcptReply: "550 5.1.1 No such user here") { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            // The failed transaction closed its session; the next message gets a fresh one and the same answer.
            let again = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            await channel.shutdown()
            #expect(error?.disposition == .permanent)
            #expect(error?.message.contains("550 5.1.1 No such user here") == true)
            #expect(again?.disposition == .permanent)
        }
    }

    @Test("a server that is down (connection refused) is a retry")
    func serverDown() async throws {
        try await withRefusingPort { port in
            let channel = try Fixture.channel(Fixture.settings(nil, port: port))
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            await channel.shutdown()
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("smtp://127.0.0.1:") == true)
        }
    }

    @Test(
        "an invalid recipient address is permanent, decided before connecting",
        arguments: ["ada", "ada@@example.com", "ada@example", "a da@example.com", "<ada@example.com>", "ada@exa_mple.com", "ada\r\n@example.com"])
    func invalidAddress(address: String) async throws {
        // Nothing listens on the port: had the channel connected, the error would be a retry.
        try await withRefusingPort { port in
            let channel = try Fixture.channel(Fixture.settings(nil, port: port))
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message(to: address)) }
            await channel.shutdown()
            #expect(error?.disposition == .permanent)
            #expect(error?.message.hasPrefix("recipient address '") == true)
            #expect(error?.message.contains("is invalid: ") == true)
        }
    }

    @Test("a customer without an email address is permanent")
    func missingAddress() async throws {
        try await withRefusingPort { port in
            let channel = try Fixture.channel(Fixture.settings(nil, port: port))
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message(to: nil)) }
            await channel.shutdown()
            #expect(error?.disposition == .permanent)
            #expect(error?.message.contains("no email address") == true)
        }
    }

    @Test("after shutdown a send is a retry, not a hang")
    func afterShutdown() async throws {
        try await withRefusingPort { port in
            let channel = try Fixture.channel(Fixture.settings(nil, port: port))
            await channel.shutdown()
            let error = await deliveryError { () async throws(DeliveryError) in try await channel.deliver(Fixture.message()) }
            #expect(error?.isRetryable == true)
            #expect(error?.message.contains("shutting down") == true)
        }
    }

    // MARK: Connections

    @Test("messages sent one after another share one SMTP session")
    func connectionReuse() async throws {
        try await SMTPTestServer.with { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            var connections: [String] = []
            for index in 0..<6 {
                let receipt = try await channel.deliver(Fixture.message(key: "reuse-\(index)", to: "c\(index)@example.com"))
                connections.append(receipt.metadata["connection"] ?? "?")
            }
            await channel.shutdown()
            let received = try server.received()
            #expect(received.map(\.rcptTos) == (0..<6).map { ["c\($0)@example.com"] })
            #expect(Set(received.map(\.connection)) == [1])
            #expect(connections == ["new", "reused", "reused", "reused", "reused", "reused"])
        }
    }

    @Test("reuse_connections: false opens a session per message")
    func connectionPerMessage() async throws {
        try await SMTPTestServer.with { server in
            var settings = Fixture.settings(server)
            settings.reuseConnections = false
            let channel = try Fixture.channel(settings)
            for index in 0..<3 {
                _ = try await channel.deliver(Fixture.message(key: "single-\(index)"))
            }
            await channel.shutdown()
            #expect(try server.received().map(\.connection) == [1, 2, 3])
        }
    }

    @Test("a session the server dropped while idle is replaced, and the message still goes through")
    func droppedSession() async throws {
        try await SMTPTestServer.with(dropReused: true) { server in
            let channel = try Fixture.channel(Fixture.settings(server))
            var connections: [String] = []
            for index in 0..<3 {
                let receipt = try await channel.deliver(Fixture.message(key: "dropped-\(index)"))
                connections.append(receipt.metadata["connection"] ?? "?")
            }
            await channel.shutdown()
            #expect(try server.received().map(\.connection) == [1, 2, 3])
            #expect(connections == ["new", "new", "new"])
        }
    }

    @Test("8 concurrent sends all arrive, over at most max_connections sessions")
    func concurrentSends() async throws {
        try await SMTPTestServer.with { server in
            var settings = Fixture.settings(server)
            settings.maxConnections = 3
            let channel = try Fixture.channel(settings)
            let receipts = try await withThrowingTaskGroup(of: DeliveryReceipt.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await channel.deliver(Fixture.message(key: "burst-\(index)", to: "b\(index)@example.com"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            await channel.shutdown()
            #expect(receipts.count == 8)
            let received = try server.received()
            #expect(Set(received.flatMap(\.rcptTos)) == Set((0..<8).map { "b\($0)@example.com" }))
            #expect(Set(received.map(\.connection)).count <= 3)
        }
    }

    static func hasOnlyCRLF(_ bytes: [UInt8]) -> Bool {
        for (index, byte) in bytes.enumerated() {
            if byte == 10 && (index == 0 || bytes[index - 1] != 13) { return false }
            if byte == 13 && (index + 1 == bytes.count || bytes[index + 1] != 10) { return false }
        }
        return true
    }
}
