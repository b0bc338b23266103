import AerLogging
import Foundation
import Testing

@Suite("JOURNAL_STREAM")
struct JournalStreamTests {
    /// A file open for writing, with its `DEVICE:INODE`.
    func openFile() throws -> (Int32, String) {
        let path = NSTemporaryDirectory() + "aerd-journal-" + UUID().uuidString
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        try #require(descriptor >= 0)
        unlink(path)
        var status = stat()
        try #require(fstat(descriptor, &status) == 0)
        return (descriptor, "\(status.st_dev):\(status.st_ino)")
    }

    @Test("believed only when it names the descriptor's device and inode")
    func matches() throws {
        let (descriptor, identity) = try openFile()
        defer { close(descriptor) }
        #expect(JournalStream.isConnected(environment: ["JOURNAL_STREAM": identity], descriptor: descriptor))
        #expect(!JournalStream.isConnected(environment: ["JOURNAL_STREAM": "1:2"], descriptor: descriptor))
        #expect(!JournalStream.isConnected(environment: ["JOURNAL_STREAM": "garbage"], descriptor: descriptor))
        #expect(!JournalStream.isConnected(environment: [:], descriptor: descriptor))
    }
}
