import AerCore
import AerJSON
import Foundation
@testable import AerImport

/// An in-memory event log that, like the real store, drops events whose (source, messageId) it already holds.
actor MemoryLog: EventLog {
    private(set) var events: [Event] = []
    private(set) var appendSizes: [Int] = []
    private var keys: Set<String> = []
    private var appendsBeforeFailure: Int?
    private let cancelsCaller: Bool

    /// A log whose appends fail once `appendsBeforeFailure` appends have succeeded, and which cancels the
    /// calling task on every append when `cancelsCaller` is set (an actor method runs in its caller's task).
    init(failAfter appendsBeforeFailure: Int? = nil, cancelsCaller: Bool = false) {
        self.appendsBeforeFailure = appendsBeforeFailure
        self.cancelsCaller = cancelsCaller
    }

    func append(_ batch: [Event]) async throws -> AppendOutcome {
        if cancelsCaller { withUnsafeCurrentTask { $0?.cancel() } }
        if let remaining = appendsBeforeFailure {
            guard remaining > 0 else { throw DiskFull() }
            appendsBeforeFailure = remaining - 1
        }
        appendSizes.append(batch.count)
        var outcome = AppendOutcome(stored: 0, duplicates: 0)
        for event in batch {
            if keys.insert(event.source + "\u{0}" + event.messageId).inserted {
                events.append(event)
                outcome.stored += 1
            } else {
                outcome.duplicates += 1
            }
        }
        return outcome
    }
}

struct DiskFull: Error, CustomStringConvertible {
    var description: String { "disk full" }
}

/// A file in a fresh temporary directory, removed when the test's `defer` calls `remove()`.
struct TempFile {
    let directory: String
    let path: String

    init(name: String, contents: String) {
        self.init(name: name, bytes: Array(contents.utf8))
    }

    init(name: String, bytes: [UInt8]) {
        directory = NSTemporaryDirectory() + "aerimport-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/" + name
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

let importTime = Timestamp(iso8601: "2026-05-01T12:00:00Z")!

func ts(_ text: String) -> Timestamp { Timestamp(iso8601: text)! }

/// Imports `contents` as a file called `name`; returns the report and the log.
func runImport(
    _ contents: String, name: String = "data.csv", options: ImportOptions, log: MemoryLog = MemoryLog()
) async throws -> (ImportReport, MemoryLog) {
    let file = TempFile(name: name, contents: contents)
    defer { file.remove() }
    let importer = Importer(log: log, clock: ManualWallClock(importTime))
    let report = try await importer.run(file: file.path, options: options)
    return (report, log)
}

/// The error an import of `contents` throws, with the temporary path in its text replaced by `name`; nil if none.
func importError(_ contents: String, name: String = "data.csv", options: ImportOptions) async -> (error: ImportError, text: String)? {
    let file = TempFile(name: name, contents: contents)
    defer { file.remove() }
    do {
        _ = try await Importer(log: MemoryLog(), clock: ManualWallClock(importTime)).run(file: file.path, options: options)
        return nil
    } catch {
        return (error, error.description.replacingOccurrences(of: file.path, with: name))
    }
}
