import AerCore
import AerStore
import ArgumentParser
import Foundation

/// `aerd erase`: forgets a customer (right to erasure), keeping an audit record without personal data.
struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase a customer: events, traits, identities, memberships, pending messages and rendered bodies.",
        discussion: """
            Works on the store directly, with or without a running daemon (a running daemon forgets the customer's
            in-memory state at its next restart; nothing is sent meanwhile since the pending messages are gone).
            --suppress keeps the customer's email and phone on the suppression list.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("State directory (overrides state_dir).", valueName: "dir"))
    var state: String?

    @Option(name: .long, help: "Profile id, userId or anonymousId.")
    var customer: String

    @Flag(name: .long, help: "Keep the customer's email and phone on the suppression list.")
    var suppress = false

    func run() async throws {
        let configuration = try options.load()
        let clock = SystemWallClock()
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: configuration.storePath(stateDirectory: state), clock: clock)
        } catch {
            printError("aerd erase: \(error)")
            throw SysExit.failure
        }
        guard let profile = try await store.profile(matching: customer) else {
            try await store.close()
            printError("aerd erase: no profile has the id, userId or anonymousId '\(customer)'")
            throw SysExit.failure
        }
        let summary = try await store.erase(profileId: profile.id, suppress: suppress, actor: "cli:\(ProcessInfo.processInfo.userName)", now: clock.now())
        try await store.close()
        print(summary?.description ?? "nothing to erase")
    }
}
