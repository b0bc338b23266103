import AerCore
import AerDispatch
import AerJSON
import AerStore
import ChannelTestKit
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import WebhookChannel

@Suite("Dispatcher: sending, retries and dead letters")
struct DispatcherTests {
    @Test("a delivered message is recorded sent with the provider's receipt, and its signature verifies")
    func sent() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver([.status(202)]) { base, receiver in
            try await withChannels([webhookDefinition(base + "/hooks/aerd")]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                let records = try await fixture.dispatcher(channels).dispatchDue()
                #expect(records == [DispatchRecord(
                    id: row.id, channel: "hook", attempt: 1, outcome: .sent(receipt: ["detail": "HTTP 202"]), recorded: true)])

                let stored = try await fixture.row(row.id)
                #expect(stored.status == .sent)
                #expect(stored.receipt == ["detail": "HTTP 202"])
                #expect(stored.sentAt == t0)
                #expect(stored.attempts == 1)
                #expect(stored.reason == nil)

                let request = try #require(await receiver.requests.first)
                #expect(request.path == "/hooks/aerd")
                #expect(request.header("webhook-id") == row.idempotencyKey)
                #expect(try JSONParser.parse(Array(request.body)) == renderedMessage()["payload"])
                #expect(StandardWebhookSignature.verify(
                    secret: secret, id: try #require(request.header("webhook-id")),
                    timestamp: try #require(request.header("webhook-timestamp")), body: request.body,
                    signatureHeader: try #require(request.header("webhook-signature"))))
            }
        }
    }

    @Test("a 503 with Retry-After is retried at the later of Retry-After and the backoff, then sent with the same webhook-id")
    func retryAfter() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver([.status(503, headers: ["Retry-After": "120"], body: "busy"), .status(200)]) { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                // After the first attempt the backoff is at most 30s; Retry-After asks for 120s.
                let dispatcher = fixture.dispatcher(channels, random: { $0.upperBound })
                let first = try await dispatcher.dispatchDue()
                #expect(first.map(\.outcome) == [.retry(at: t0 + .seconds(120), error: "HTTP 503 Service Unavailable: busy")])
                var stored = try await fixture.row(row.id)
                #expect(stored.status == .pending)
                #expect(stored.dueAt == t0 + .seconds(120))
                #expect(stored.attempts == 1)
                #expect(stored.reason == "HTTP 503 Service Unavailable: busy")

                fixture.clock.advance(by: .seconds(119))
                #expect(try await dispatcher.dispatchDue().isEmpty)
                fixture.clock.advance(by: .seconds(1))
                let second = try await dispatcher.dispatchDue()
                #expect(second.map(\.outcome) == [.sent(receipt: ["detail": "HTTP 200"])])
                #expect(second.map(\.attempt) == [2])
                stored = try await fixture.row(row.id)
                #expect(stored.status == .sent)
                #expect(stored.attempts == 2)

                let ids = await receiver.requests.map { $0.header("webhook-id") }
                #expect(ids == [row.idempotencyKey, row.idempotencyKey])
            }
        }
    }

    @Test("a backoff longer than Retry-After wins, jittered by the injected source within [ceiling/2, ceiling]")
    func backoffWins() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver([.status(429, headers: ["Retry-After": "5"])]) { base, _ in
            try await withChannels([webhookDefinition(base, extra: ["backoff": ["initial": "30s", "max": "1h"]])]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                let picked = Mutex<ClosedRange<Int64>?>(nil)
                let dispatcher = fixture.dispatcher(channels, random: { range in
                    picked.withLock { $0 = range }
                    return range.lowerBound + 1234
                })
                try await dispatcher.dispatchDue()
                #expect(picked.withLock { $0 } == 15_000...30_000)
                #expect(try await fixture.row(row.id).dueAt == t0 + AerDuration(millis: 16_234))
            }
        }
    }

    @Test("a message that keeps failing goes dead after max_attempts")
    func maxAttempts() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver(otherwise: .status(500)) { base, receiver in
            try await withChannels([webhookDefinition(base, extra: ["max_attempts": 2])]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                let dispatcher = fixture.dispatcher(channels)
                #expect(try await dispatcher.dispatchDue().map(\.outcome) == [.retry(at: t0 + .seconds(30), error: "HTTP 500 Internal Server Error")])
                fixture.clock.advance(by: .seconds(30))
                let last = try await dispatcher.dispatchDue()
                #expect(last.map(\.outcome) == [.dead(error: "gave up after 2 attempts (max_attempts: 2): HTTP 500 Internal Server Error")])
                let stored = try await fixture.row(row.id)
                #expect(stored.status == .dead)
                #expect(stored.attempts == 2)
                #expect(await receiver.requests.count == 2)
            }
        }
    }

    @Test("a 400 is dead at once, with the endpoint's answer as the reason")
    func permanent() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver([.status(400, body: "unknown customer")]) { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                try await fixture.dispatcher(channels).dispatchDue()
                let stored = try await fixture.row(row.id)
                #expect(stored.status == .dead)
                #expect(stored.reason == "HTTP 400 Bad Request: unknown customer")
                #expect(stored.attempts == 1)
                #expect(await receiver.requests.count == 1)
            }
        }
    }

    @Test("a 410 disables the channel: later messages go dead without a request, and the error is logged once")
    func gone() async throws {
        let fixture = try Fixture()
        let logs = LogRecords()
        try await withHTTPReceiver([.status(410)]) { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let dispatcher = fixture.dispatcher(channels, logs: logs)
                let first = try #require(try await fixture.enqueue().first)
                try await dispatcher.dispatchDue()
                #expect(try await fixture.row(first.id).status == .dead)
                #expect(dispatcher.disabledChannels == ["hook": "HTTP 410 Gone"])

                let later = try await fixture.enqueue(2)
                let records = try await dispatcher.dispatchDue()
                #expect(records.map(\.outcome) == Array(repeating: .dead(error: "channel disabled: HTTP 410 Gone"), count: 2))
                for row in later { #expect(try await fixture.row(row.id).reason == "channel disabled: HTTP 410 Gone") }
                #expect(await receiver.requests.count == 1)
                #expect(logs.messages(at: .error).count == 1)
                #expect(logs.messages(at: .error).first?.contains("channel 'hook' is disabled") == true)
            }
        }
    }

    @Test("the gate's skip, hold-out and defer are recorded and nothing is sent for them")
    func gateDecisions() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let rows = try await fixture.enqueue(4, keys: ["skip", "hold", "defer", "send"])
                let gate = ScriptedGate(decisions: [
                    "skip": .skip(reason: "frequency_cap"), "hold": .holdOut, "defer": .deferUntil(t0 + .hours(11)),
                ])
                try await fixture.dispatcher(channels, gate: gate).dispatchDue()

                let skipped = try await fixture.row(rows[0].id)
                #expect(skipped.status == .skipped)
                #expect(skipped.reason == "frequency_cap")
                #expect(skipped.attempts == 0)
                let heldOut = try await fixture.row(rows[1].id)
                #expect(heldOut.status == .heldOut)
                #expect(heldOut.attempts == 0)
                let deferred = try await fixture.row(rows[2].id)
                #expect(deferred.status == .pending)
                #expect(deferred.dueAt == t0 + .hours(11))
                #expect(deferred.attempts == 0)
                #expect(try await fixture.row(rows[3].id).status == .sent)
                #expect(await receiver.requests.map { $0.header("webhook-id") } == ["send"])
            }
        }
    }

    @Test("a gate that fails never loses the row: it is retried after the backoff")
    func gateFailure() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                try await fixture.dispatcher(channels, gate: ScriptedGate(fails: true)).dispatchDue()
                let stored = try await fixture.row(row.id)
                #expect(stored.status == .pending)
                #expect(stored.dueAt == t0 + .seconds(30))
                #expect(stored.reason == "the delivery gate failed: the policy store is unavailable")
                #expect(await receiver.requests.isEmpty)
            }
        }
    }

    @Test("a message without text or recipient is dead with the field named, and nothing is sent")
    func malformed() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                var noRecipient = renderedMessage()
                noRecipient["recipient"] = nil
                let rows = try await fixture.enqueue(message: renderedMessage(text: nil)) + fixture.enqueue(message: noRecipient)
                try await fixture.dispatcher(channels).dispatchDue()
                let reasons = try await [fixture.row(rows[0].id), fixture.row(rows[1].id)].map { "\($0.status.rawValue): \($0.reason ?? "")" }
                #expect(reasons == [
                    "dead: malformed message: text is missing; the renderer wrote a message aerd cannot send",
                    "dead: malformed message: recipient is missing; the renderer wrote a message aerd cannot send",
                ])
                #expect(await receiver.requests.isEmpty)
            }
        }
    }

    @Test("a message for a channel that is no longer configured is dead with the channel named")
    func unknownChannel() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue(channel: "old_hook").first)
                try await fixture.dispatcher(channels).dispatchDue()
                let stored = try await fixture.row(row.id)
                #expect(stored.status == .dead)
                #expect(stored.reason?.hasPrefix("unknown channel 'old_hook' (configured: hook)") == true)
                #expect(stored.reason?.hasSuffix("POST /v1/outbox/\(row.id)/retry") == true)
                #expect(await receiver.requests.isEmpty)
            }
        }
    }

    @Test("a row claimed by a dispatcher that died is sent by another once the lease runs out; the late finish is ignored")
    func leaseRecovery() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                let crashed = try await fixture.store.claimDue(now: t0, limit: 10, owner: "dispatcher-a", lease: .seconds(60))
                #expect(crashed.map(\.id) == [row.id])

                let survivor = fixture.dispatcher(channels, owner: "dispatcher-b")
                fixture.clock.advance(by: .seconds(59))
                #expect(try await survivor.dispatchDue().isEmpty)
                fixture.clock.advance(by: .seconds(1))
                let records = try await survivor.dispatchDue()
                #expect(records.map(\.outcome) == [.sent(receipt: ["detail": "HTTP 200"])])
                #expect(records.map(\.attempt) == [2])

                let late = try await fixture.store.finish(row.id, owner: "dispatcher-a", outcome: .dead(error: "late"), now: fixture.clock.now())
                #expect(!late)
                let stored = try await fixture.row(row.id)
                #expect(stored.status == .sent)
                #expect(stored.reason == nil)
                #expect(await receiver.requests.count == 1)
            }
        }
    }

    @Test("a rate limit claims only what can get a token within half the lease; the rest stays pending, unattempted")
    func rateLimitedClaim() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver { base, receiver in
            try await withChannels([webhookDefinition(base, extra: ["rate_limit": "2/h"])]) { channels in
                let rows = try await fixture.enqueue(3)
                let records = try await fixture.dispatcher(channels).dispatchDue()
                #expect(records.map(\.id) == rows.prefix(2).map(\.id))
                let last = try await fixture.row(rows[2].id)
                #expect(last.status == .pending)
                #expect(last.attempts == 0)
                #expect(await receiver.requests.count == 2)
            }
        }
    }
}

@Suite("Dispatcher as a service")
struct DispatcherServiceTests {
    @Test("no channel has more sends in flight than its concurrency")
    func concurrency() async throws {
        let fixture = try Fixture()
        let outcomes = OutcomeWaiter()
        try await withHTTPReceiver(otherwise: .hold(then: 200)) { base, receiver in
            try await withChannels([webhookDefinition(base, extra: ["concurrency": 2])]) { channels in
                let rows = try await fixture.enqueue(5)
                let dispatcher = fixture.dispatcher(channels, logs: outcomes.logs)
                let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: Logger(label: "test")))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    await receiver.wait { $0.hanging == 2 }
                    #expect(try await fixture.store.outbox(status: .sending, strategy: nil, after: 0, limit: 10).count == 2)
                    #expect(try await fixture.store.outbox(status: .pending, strategy: nil, after: 0, limit: 10).count == 3)

                    var released = 0
                    while released < rows.count {
                        let expected = min(2, rows.count - released)
                        await receiver.wait { $0.hanging == expected }
                        await receiver.release()
                        released += expected
                    }
                    await outcomes.wait(for: "outbox row sent", count: rows.count)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                #expect(await receiver.maxInFlight == 2)
                #expect(try await fixture.store.outbox(status: .sent, strategy: nil, after: 0, limit: 10).count == 5)
            }
        }
    }

    @Test("the loop reports progress on every iteration, idle or not (the watchdog's proof of life)")
    func progress() async throws {
        let fixture = try Fixture()
        let (beats, beat) = AsyncStream.makeStream(of: Void.self)
        let dispatcher = Dispatcher(
            store: fixture.store, channels: [:], gate: OpenGate(), clock: fixture.clock, logger: Logger(label: "test"),
            settings: DispatchSettings(pollInterval: .milliseconds(10)), progress: { beat.yield() })
        let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var seen = 0
            for await _ in beats {
                seen += 1
                if seen == 3 { break }
            }
            #expect(seen == 3)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("a nudge sends a new row at once, without waiting for the poll")
    func wakeup() async throws {
        let fixture = try Fixture()
        let outcomes = OutcomeWaiter()
        try await withHTTPReceiver { base, _ in
            try await withChannels([webhookDefinition(base)]) { channels in
                let wakeup = Wakeup()
                let dispatcher = Dispatcher(
                    store: fixture.store, channels: channels, gate: OpenGate(), clock: fixture.clock,
                    logger: outcomes.logs.logger(), settings: DispatchSettings(pollInterval: .seconds(3600)), wakeup: wakeup)
                let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: Logger(label: "test")))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    await outcomes.wait(for: "dispatcher started", count: 1)
                    try await fixture.enqueue()
                    wakeup.signal()
                    await outcomes.wait(for: "outbox row sent", count: 1)
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
            }
        }
    }

    @Test("at shutdown a send in flight may finish within the grace, and its outcome is recorded")
    func shutdownLetsSendsFinish() async throws {
        let fixture = try Fixture()
        try await withHTTPReceiver([.hold(then: 200)]) { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                let group = ServiceGroup(configuration: .init(services: [fixture.dispatcher(channels)], logger: Logger(label: "test")))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    await receiver.wait { $0.hanging == 1 }
                    await group.triggerGracefulShutdown()
                    await receiver.release()
                    try await tasks.waitForAll()
                }
                #expect(try await fixture.row(row.id).status == .sent)
            }
        }
    }

    @Test("at shutdown a send still running after the grace is cancelled and its row released, due at once and unattempted")
    func shutdownReleasesLeases() async throws {
        let fixture = try Fixture()
        let logs = LogRecords()
        try await withHTTPReceiver([.hang]) { base, receiver in
            try await withChannels([webhookDefinition(base)]) { channels in
                let row = try #require(try await fixture.enqueue().first)
                let dispatcher = fixture.dispatcher(
                    channels, logs: logs, settings: DispatchSettings(owner: "dispatcher-a", shutdownGrace: .milliseconds(100)))
                let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: Logger(label: "test")))
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    await receiver.wait { $0.hanging == 1 }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
                let stored = try await fixture.row(row.id)
                #expect(stored.status == .pending)
                #expect(stored.attempts == 0)
                #expect(stored.dueAt == t0)
                #expect(logs.messages(at: .warning).contains { $0.contains("1 sends still running") })
            }
        }
    }
}
