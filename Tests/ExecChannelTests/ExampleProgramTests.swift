import AerPluginAPI
import Foundation
import Logging
import Testing
import ExecChannel

/// `Plugins/Exec/examples/`, found from this file's place in the repository.
private let examples = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Plugins/Exec/examples")

private let hasPython = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"].contains {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite("Exec example programs")
struct ExampleProgramTests {
    private func run(_ example: String, key: String) async throws -> (DeliveryReceipt, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aerd-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outbox = directory.appendingPathComponent("outbox.ndjson").path
        let plugin = try ExecPlugin(
            id: "outbox", settings: ExecSettings(command: [examples.appendingPathComponent(example).path, outbox]),
            context: ChannelContext(logger: Logger(label: "example")))
        let envelope = #"{"message":{"text":"Zoë, we miss you"},"customer":{"id":"42"}}"#
        let message = OutboundMessage(idempotencyKey: key, channel: "outbox", recipient: Recipient(customerId: "42"),
                                      text: "Zoë, we miss you", payload: Data(envelope.utf8))
        let receipt = try await plugin.deliver(message)
        return (receipt, try String(contentsOfFile: outbox, encoding: .utf8))
    }

    @Test("append-to-file.sh appends the envelope as one line and reports it")
    func shellExample() async throws {
        let (receipt, outbox) = try await run("append-to-file.sh", key: "k-sh")
        #expect(receipt.detail == "appended")
        #expect(outbox == #"{"message":{"text":"Zoë, we miss you"},"customer":{"id":"42"}}"# + "\n")
    }

    @Test("append-to-file.py appends the envelope and answers with a receipt", .enabled(if: hasPython))
    func pythonExample() async throws {
        let (receipt, outbox) = try await run("append-to-file.py", key: "k-py")
        #expect(receipt.providerMessageId == "k-py")
        #expect(receipt.detail.hasPrefix("appended to "))
        #expect(outbox.hasSuffix("\n"))
        let line = try JSONSerialization.jsonObject(with: Data(outbox.utf8)) as? [String: Any]
        #expect((line?["customer"] as? [String: Any])?["id"] as? String == "42")
    }
}
