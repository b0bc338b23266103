import AerCore
import AerImport
import AerStore
public import ArgumentParser
import Foundation

extension ImportKind: ExpressibleByArgument {}
extension ImportFormat: ExpressibleByArgument {}

/// `aerd import`: bulk CRM records, transactions or lost customers into the event log.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import CRM records, transactions or lost customers from CSV or NDJSON.",
        discussion: """
            Safe to re-run: rows already imported are skipped. Works whether or not the daemon is running on
            the same store. Exits 1 if any row was rejected (the accepted rows are stored) and lists each
            rejected row with its line number.
            """)

    @Option(name: .long, help: "What the file holds: crm, transactions or lost.")
    var kind: ImportKind

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("State directory (overrides state_dir in aerd.yaml).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: "csv or ndjson (default: from the file extension).")
    var format: ImportFormat?

    @Option(name: .customLong("map"), help: ArgumentHelp("Read FIELD from COLUMN, e.g. --map amount=total (repeatable).", valueName: "field=column"))
    var mappings: [String] = []

    @Option(name: .long, help: "CSV delimiter, one character (default ,).")
    var delimiter: String = ","

    @Argument(help: "The CSV or NDJSON file.")
    var file: String

    func validate() throws {
        guard delimiter.utf8.count == 1 else { throw ValidationError("--delimiter must be one ASCII character, got '\(delimiter)'") }
        for mapping in mappings where !mapping.contains("=") {
            throw ValidationError("--map '\(mapping)' must be FIELD=COLUMN, e.g. --map amount=total")
        }
    }

    func run() async throws {
        let configuration = try options.load()
        let storePath = configuration.storePath(stateDirectory: state)
        var mapping: [String: String] = [:]
        for entry in mappings {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            mapping[String(parts[0])] = String(parts[1])
        }
        let clock = SystemWallClock()
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: storePath, clock: clock)
        } catch {
            printError("aerd import: \(error)")
            throw SysExit.failure
        }
        let progress = ImportProgress.terminalReporter()
        let importer = Importer(log: store, clock: clock, progress: progress)
        let report: ImportReport
        do {
            report = try await importer.run(
                file: file,
                options: ImportOptions(kind: kind, format: format, mapping: mapping, delimiter: delimiter.utf8.first!))
        } catch {
            printError("aerd import: \(error)")
            try? await store.close()
            throw SysExit.failure
        }
        try await store.close()
        print(report.summary)
        if report.rejectedCount > 0 { throw SysExit.failure }
    }
}
