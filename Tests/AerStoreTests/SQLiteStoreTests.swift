import AerCore
import AerJSON
import Foundation
import GRDB
import Testing

@testable import AerStore

/// A fresh database file in a temporary directory.
func temporaryStorePath() -> String {
    let directory = NSTemporaryDirectory() + "aerd-store-" + UUID().uuidString
    return directory + "/aerd.sqlite"
}

let t0 = Timestamp(iso8601: "2026-11-01T10:00:00Z")!

func track(_ id: String, user: String? = nil, anon: String? = nil, name: String = "Product Viewed", at: Timestamp = t0, source: String = "web") -> Event {
    Event(messageId: id, source: source, type: .track, userId: user, anonymousId: anon, name: name, properties: ["sku": "RUN-1"], timestamp: at, receivedAt: at)
}

func identify(_ id: String, user: String? = nil, anon: String? = nil, traits: JSONObject, at: Timestamp = t0) -> Event {
    Event(messageId: id, source: "web", type: .identify, userId: user, anonymousId: anon, traits: traits, timestamp: at, receivedAt: at)
}

func openStore(_ path: String = temporaryStorePath()) throws -> SQLiteStore {
    try SQLiteStore(path: path, clock: ManualWallClock(t0))
}

@Suite("SQLite event log")
struct EventLogTests {
    @Test("appended events are stored and counted")
    func storesEvents() async throws {
        let store = try openStore()
        let outcome = try await store.append([track("m1", user: "u1"), track("m2", user: "u1")])
        #expect(outcome == AppendOutcome(stored: 2, duplicates: 0))
        #expect(try await store.eventCount() == 2)
    }

    @Test("a re-sent messageId is accepted but not stored twice")
    func dropsDuplicates() async throws {
        let store = try openStore()
        _ = try await store.append([track("m1", user: "u1")])
        let again = try await store.append([track("m1", user: "u1"), track("m2", user: "u1")])
        #expect(again == AppendOutcome(stored: 1, duplicates: 1))
        #expect(try await store.eventCount() == 2)
    }

    @Test("a messageId repeated inside one batch is stored once")
    func dropsDuplicatesWithinBatch() async throws {
        let store = try openStore()
        let outcome = try await store.append([track("m1", user: "u1"), track("m1", user: "u1")])
        #expect(outcome == AppendOutcome(stored: 1, duplicates: 1))
    }

    @Test("messageIds are unique per source, not globally")
    func dedupIsPerSource() async throws {
        let store = try openStore()
        let outcome = try await store.append([track("m1", user: "u1", source: "web"), track("m1", user: "u1", source: "ios")])
        #expect(outcome.stored == 2)
    }

    @Test("a duplicate does not create a profile or link an identity")
    func duplicateHasNoSideEffects() async throws {
        let store = try openStore()
        _ = try await store.append([track("m1", user: "u1")])
        _ = try await store.append([track("m1", user: "u2")])
        #expect(try await store.profile(matching: "u2") == nil)
    }

    @Test("events survive closing and reopening the file, in WAL mode")
    func persists() async throws {
        let path = temporaryStorePath()
        let store = try openStore(path)
        _ = try await store.append([track("m1", user: "u1")])
        try await store.close()
        let reopened = try openStore(path)
        #expect(try await reopened.eventCount() == 1)
        let queue = try DatabaseQueue(path: path)
        let mode = try await queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("the stored body is the normalised Segment message")
    func storesMessageBody() async throws {
        let path = temporaryStorePath()
        let store = try openStore(path)
        _ = try await store.append([track("m1", user: "u1")])
        let body = try await DatabasePool(path: path).read { try String.fetchOne($0, sql: "SELECT body FROM events") }
        let stored = try JSONParser.parse(body ?? "").objectValue
        #expect(stored.flatMap { Event(storedMessage: $0, source: "web") } == track("m1", user: "u1"))
    }

    @Test("an unwritable location fails with an error that names the path")
    func unwritablePath() {
        let error = #expect(throws: StoreError.self) {
            try SQLiteStore(path: "/proc/aerd-cannot-write/aerd.sqlite", clock: ManualWallClock(t0))
        }
        #expect(error?.code == .cannotOpen)
        #expect(error?.message.contains("/proc/aerd-cannot-write") == true)
    }
}

@Suite("Profiles and identity resolution")
struct ProfileTests {
    @Test("identify creates a profile with traits, found by userId, anonymousId and id")
    func identifyCreatesProfile() async throws {
        let store = try openStore()
        _ = try await store.append([identify("i1", user: "u1", anon: "a1", traits: ["email": "ada@example.com"])])
        let byUser = try #require(try await store.profile(matching: "u1"))
        #expect(byUser.traits["email"] == "ada@example.com")
        #expect(byUser.userIds == ["u1"])
        #expect(byUser.anonymousIds == ["a1"])
        #expect(try await store.profile(matching: "a1")?.id == byUser.id)
        #expect(try await store.profile(matching: String(byUser.id))?.id == byUser.id)
    }

    @Test("a newer identify overwrites traits, a late one only fills gaps")
    func traitOrderingByEventTime() async throws {
        let store = try openStore()
        _ = try await store.append([identify("i1", user: "u1", traits: ["plan": "pro"], at: t0 + .days(2))])
        _ = try await store.append([identify("i2", user: "u1", traits: ["plan": "free", "city": "Berlin"], at: t0)])
        _ = try await store.append([identify("i3", user: "u1", traits: ["plan": "team"], at: t0 + .days(3))])
        let profile = try #require(try await store.profile(matching: "u1"))
        #expect(profile.traits["plan"] == "team")
        #expect(profile.traits["city"] == "Berlin")
    }

    @Test("first and last seen follow event time and the event count adds up")
    func seenTimes() async throws {
        let store = try openStore()
        _ = try await store.append([track("m1", user: "u1", at: t0 + .days(1)), track("m2", user: "u1", at: t0)])
        _ = try await store.append([track("m3", user: "u1", at: t0 + .days(5))])
        let profile = try #require(try await store.profile(matching: "u1"))
        #expect(profile.firstSeen == t0)
        #expect(profile.lastSeen == t0 + .days(5))
        #expect(profile.eventCount == 3)
    }

    @Test("an anonymous visitor who identifies keeps one profile")
    func anonymousThenIdentified() async throws {
        let store = try openStore()
        _ = try await store.append([track("m1", anon: "a1"), track("m2", anon: "a1")])
        let anonymous = try #require(try await store.profile(matching: "a1"))
        _ = try await store.append([identify("i1", user: "u1", anon: "a1", traits: ["email": "ada@example.com"])])
        let known = try #require(try await store.profile(matching: "u1"))
        #expect(known.id == anonymous.id)
        #expect(known.eventCount == 3)
    }

    @Test("identify with both ids merges the anonymous history into the known profile")
    func identifyMergesAnonymousHistory() async throws {
        let path = temporaryStorePath()
        let store = try openStore(path)
        _ = try await store.append([identify("i0", user: "u1", traits: ["email": "ada@example.com"], at: t0)])
        _ = try await store.append([track("m1", anon: "a1", at: t0 - .days(1)), identify("i1", anon: "a1", traits: ["email": "old@example.com", "city": "Oslo"])])
        let anonymousId = try #require(try await store.profile(matching: "a1")).id
        _ = try await store.append([track("m2", user: "u1", anon: "a1", at: t0 + .hours(1))])
        let merged = try #require(try await store.profile(matching: "u1"))
        #expect(merged.id != anonymousId)
        #expect(try await store.profile(matching: "a1")?.id == merged.id)
        #expect(merged.anonymousIds == ["a1"])
        #expect(merged.eventCount == 4)
        #expect(merged.firstSeen == t0 - .days(1))
        #expect(merged.traits["email"] == "ada@example.com")
        #expect(merged.traits["city"] == "Oslo")
        let (orphans, merges) = try await DatabasePool(path: path).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE profile_id = ?", arguments: [anonymousId]),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile_merges WHERE from_profile = ? AND into_profile = ?", arguments: [anonymousId, merged.id]))
        }
        #expect(orphans == 0)
        #expect(merges == 1)
    }

    @Test("a shared device never merges two known customers")
    func sharedDeviceDoesNotMerge() async throws {
        let store = try openStore()
        _ = try await store.append([track("m1", user: "u1", anon: "device")])
        _ = try await store.append([track("m2", user: "u2", anon: "device")])
        let first = try #require(try await store.profile(matching: "u1"))
        let second = try #require(try await store.profile(matching: "u2"))
        #expect(first.id != second.id)
        #expect(first.eventCount == 1 && second.eventCount == 1)
    }

    @Test("alias merges the previous id's profile into the user's")
    func aliasMerges() async throws {
        let store = try openStore()
        _ = try await store.append([track("m1", user: "old-id"), track("m2", user: "new-id")])
        let alias = Event(messageId: "al1", source: "web", type: .alias, userId: "new-id", previousId: "old-id", timestamp: t0, receivedAt: t0)
        _ = try await store.append([alias])
        let merged = try #require(try await store.profile(matching: "new-id"))
        #expect(merged.userIds == ["new-id", "old-id"])
        #expect(merged.eventCount == 3)
        #expect(try await store.profile(matching: "old-id")?.id == merged.id)
    }

    @Test("a merge inside one batch is consistent")
    func mergeWithinOneBatch() async throws {
        let store = try openStore()
        _ = try await store.append([
            track("m1", anon: "a1"), track("m2", user: "u1"), track("m3", user: "u1", anon: "a1"), track("m4", anon: "a1"),
        ])
        let merged = try #require(try await store.profile(matching: "a1"))
        #expect(merged.userIds == ["u1"])
        #expect(merged.eventCount == 4)
    }
}

@Suite("Group commit")
struct GroupCommitTests {
    actor Gate {
        private var opened = false
        private var waiters: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if opened { return }
            await withCheckedContinuation { waiters.append($0) }
        }
        func open() {
            opened = true
            waiters.forEach { $0.resume() }
        }
    }

    actor Groups {
        var sizes: [Int] = []
        func record(_ size: Int) { sizes.append(size) }
    }

    @Test("requests that arrive during a write share the next transaction")
    func requestsShareATransaction() async throws {
        let gate = Gate()
        let groups = Groups()
        let commit = GroupCommit<Int, Int>(maxGroup: 100) { requests in
            await groups.record(requests.count)
            await gate.wait()
            return requests.map { .success($0 * 10) }
        }
        try await withThrowingTaskGroup(of: Int.self) { tasks in
            tasks.addTask { try await commit.submit(0) }
            while await groups.sizes.isEmpty { await Task.yield() }
            for value in 1...10 { tasks.addTask { try await commit.submit(value) } }
            while commit.waitingCount < 10 { await Task.yield() }
            await gate.open()
            var results: [Int] = []
            for try await result in tasks { results.append(result) }
            #expect(results.sorted() == (0...10).map { $0 * 10 })
        }
        #expect(await groups.sizes == [1, 10])
    }

    @Test("a failed write fails only its own group's requests")
    func failurePropagates() async throws {
        struct Boom: Error {}
        let commit = GroupCommit<Int, Int>(maxGroup: 10) { requests in
            requests.map { $0 < 0 ? .failure(Boom()) : .success($0) }
        }
        await #expect(throws: Boom.self) { try await commit.submit(-1) }
        #expect(try await commit.submit(5) == 5)
    }

    @Test("many concurrent appends all land in the store")
    func concurrentAppends() async throws {
        let store = try openStore()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for index in 0..<64 {
                tasks.addTask {
                    _ = try await store.append((0..<10).map { track("m\(index)-\($0)", user: "u\(index % 7)") })
                }
            }
            try await tasks.waitForAll()
        }
        #expect(try await store.eventCount() == 640)
        #expect(try await store.profile(matching: "u3")?.eventCount == 90)
    }
}
