import AerAutomation
import AerConfig
import AerCore
import AerDispatch
import AerJSON
import AerPluginAPI
import AerRendering
import AerStore
import ArgumentParser
import Foundation
import Logging

/// `aerd send-test`: one message through the real plugin, to check credentials before going live.
struct SendTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-test",
        abstract: "Send one message through a configured channel and print the provider's answer.",
        discussion: """
            The message goes through the channel's real plugin, with its real settings and credentials, but
            skips the policies (consent, quiet hours, caps): it is for the operator, not a customer.
            Exits 0 when the provider accepted it, 1 when it did not (saying whether a retry could help).
            """)

    @OptionGroup var options: ConfigOptions

    @OptionGroup var logging: LogOptions

    @Option(name: .long, help: "The channel id from aerd.yaml.")
    var channel: String

    @Option(name: .long, help: ArgumentHelp("Recipient: an email address, an E.164 phone number, or a customer id for webhook/exec.", valueName: "address"))
    var to: String

    @Option(name: .long, help: "Render this template (default: a short test text).")
    var template: String?

    @Option(name: .long, help: ArgumentHelp("Render the template with this customer's traits (profile id, userId or anonymousId).", valueName: "id"))
    var profile: String?

    @Option(name: .long, help: ArgumentHelp("State directory, to look up --profile (overrides state_dir).", valueName: "dir"))
    var state: String?

    func run() async throws {
        let configuration = try options.load()
        try logging.bootstrap(configuration.log)
        let assembly = try Assembly(configuration)
        guard let definition = configuration.channel(channel) else {
            printError("aerd send-test: no channel '\(channel)'; configured: \(configuration.channels.map(\.id).joined(separator: ", "))")
            throw SysExit.usage
        }
        if let template, !assembly.templates.has(template) {
            printError("aerd send-test: no template '\(template)'; templates: \(assembly.templates.names.sorted().joined(separator: ", "))")
            throw SysExit.usage
        }
        var traits: JSONObject = ["first_name": "Test"]
        var customerId = "send-test"
        var profileId: Int64 = 0
        if let profile {
            let store = try SQLiteStore(path: configuration.storePath(stateDirectory: state), clock: SystemWallClock())
            guard let record = try await store.profile(matching: profile) else {
                printError("aerd send-test: no profile '\(profile)' in \(configuration.storePath(stateDirectory: state))")
                try await store.close()
                throw SysExit.failure
            }
            try await store.close()
            traits = record.traits
            customerId = record.userIds.first ?? record.anonymousIds.first ?? String(record.id)
            profileId = record.id
        }
        let type = definition.type.rawValue
        let now = SystemWallClock().now()
        let context = RenderContext(
            customer: .init(id: customerId, profileId: profileId, email: type == "email" ? to : nil, phone: type == "sms" ? to : nil),
            traits: traits,
            strategy: .init(id: "send_test", aer: .retain, positioning: "A test message from aerd.", trigger: "manual"))
        let rendered: RenderedMessage
        if let template {
            rendered = try assembly.templates.render(template, context: context)
        } else {
            rendered = RenderedMessage(subject: "aerd test message", text: "This is a test message from aerd through channel '\(channel)'.", html: nil)
        }
        let key = "send-test.\(channel).\(now.millis)"
        let payload = Envelope.encode(id: key, timestamp: now, channel: channel, template: template ?? "", context: context, message: rendered)
        let message = OutboundMessage(
            idempotencyKey: key, channel: channel,
            recipient: Recipient(customerId: customerId, email: type == "email" ? to : nil, phone: type == "sms" ? to : nil),
            subject: rendered.subject, text: rendered.text, html: rendered.html, payload: Data(payload))

        let logger = Logger(label: "aerd.send-test")
        let built = await ChannelRegistry.build([definition], context: ChannelContext(logger: logger, userAgent: "aerd/\(AerdVersion.string)"))
        guard case .success(let channels) = built, let configured = channels[channel] else {
            if case .failure(let errors) = built { printError(errors.description) }
            throw SysExit.config
        }
        do {
            let receipt = try await configured.plugin.deliver(message)
            print("sent through \(channel) (\(type)) to \(to): \(receipt.detail)")
            if let id = receipt.providerMessageId { print("provider message id: \(id)") }
            for (key, value) in receipt.metadata.sorted(by: { $0.key < $1.key }) { print("\(key): \(value)") }
            await ChannelRegistry.shutdown(channels)
        } catch {
            await ChannelRegistry.shutdown(channels)
            let kind = error.isRetryable ? "temporary failure (a retry may succeed)" : "permanent failure"
            printError("aerd send-test: \(kind): \(error.message)")
            throw SysExit.failure
        }
    }
}
