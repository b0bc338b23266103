import AerCore
import AerJSON
import AerPluginAPI
import AerStore
import Logging

/// The stages one claimed row goes through: route → message → gate → rate limit → send → record.
/// Each stage either passes the row on or ends it with an outcome.
extension Dispatcher {
    func process(_ ticket: DispatchState.Ticket) async -> DispatchRecord {
        let entry = ticket.entry
        // Route: the channel must exist and be enabled.
        guard let channel = channels[entry.channel] else {
            return await record(entry, .dead(error: Self.unknownChannel(entry.channel, row: entry.id, known: channels.keys.sorted())))
        }
        if let reason = state.disabledReason(channel.id) {
            return await record(entry, .dead(error: "channel disabled: \(reason)"))
        }

        // Message: what the renderer wrote must be sendable.
        let message: OutboundMessage
        do {
            message = try OutboxMessage.read(entry)
        } catch {
            state.refund(ticket)
            return await record(entry, .dead(error: error.description))
        }

        // Gate: the policies decide whether it goes out now.
        let decision: GateDecision
        do {
            decision = try await gate.check(entry, channel: channel, now: clock.now())
        } catch {
            state.refund(ticket)
            if Task.isCancelled { return interrupted(entry) }
            let delay = channel.limits.backoff.delay(afterAttempt: entry.attempts, random: random)
            return await record(entry, .retry(at: clock.now() + delay, error: "the delivery gate failed: \(error)"))
        }
        if let outcome = decision.outcome {
            state.refund(ticket)
            return await record(entry, outcome)
        }

        // Rate limit: wait for the token reserved at the claim.
        if let sendAt = ticket.sendAt {
            do {
                try await Task.sleep(until: sendAt, clock: .continuous)
            } catch {
                return interrupted(entry)
            }
        }
        // A send that ran meanwhile may have found the endpoint gone.
        if let reason = state.disabledReason(channel.id) {
            return await record(entry, .dead(error: "channel disabled: \(reason)"))
        }

        // Send.
        let started = ContinuousClock.now
        let sent: Result<DeliveryReceipt, DeliveryError>
        do {
            sent = .success(try await channel.plugin.deliver(message))
        } catch {
            sent = .failure(error)
        }
        metrics.delivered(channel: channel.id, in: ContinuousClock.now - started)
        switch sent {
        case .success(let receipt):
            return await record(entry, .sent(receipt: Self.receipt(receipt)))
        case .failure(let error):
            // A send cut short by shutdown is not a failure of the message: the lease release makes it due again.
            if Task.isCancelled, error.isRetryable { return interrupted(entry) }
            return await record(entry, outcome(of: error, entry: entry, channel: channel))
        }
    }

    /// What a failed send means for the row: a retry after backoff while attempts remain, else dead.
    func outcome(of error: DeliveryError, entry: OutboxEntry, channel: ConfiguredChannel) -> OutboxOutcome {
        switch error.disposition {
        case .retry(let after):
            guard entry.attempts < channel.limits.maxAttempts else {
                return .dead(error: "gave up after \(entry.attempts) attempts (max_attempts: \(channel.limits.maxAttempts)): \(error.message)")
            }
            let backoff = channel.limits.backoff.delay(afterAttempt: entry.attempts, random: random)
            let asked = after.map(Self.milliseconds) ?? AerDuration(millis: 0)
            return .retry(at: clock.now() + max(asked, backoff), error: error.message)
        case .permanent:
            return .dead(error: error.message)
        case .disableChannel:
            if state.disable(channel.id, reason: error.message) {
                logger.error(
                    "channel '\(channel.id)' is disabled until the configuration is reloaded: \(error.message); its messages go dead meanwhile (POST /v1/outbox/{id}/retry sends one again)",
                    metadata: ["channel": "\(channel.id)"])
            }
            return .dead(error: error.message)
        }
    }

    /// Writes the outcome (only while this dispatcher holds the row's lease) and logs it.
    private func record(_ entry: OutboxEntry, _ outcome: OutboxOutcome) async -> DispatchRecord {
        let (store, owner, now, id) = (store, settings.owner, clock.now(), entry.id)
        // Its own task: once a message is sent, shutdown must not keep that from being recorded.
        let finish = Task { try await store.finish(id, owner: owner, outcome: outcome, now: now) }
        var metadata: Logger.Metadata = [
            "outbox_id": "\(entry.id)", "channel": "\(entry.channel)", "strategy": "\(entry.strategy)",
            "trigger": "\(entry.trigger)", "attempt": "\(entry.attempts)",
        ]
        let recorded: Bool
        do {
            recorded = try await finish.value
        } catch {
            logger.error("outbox row \(entry.id): cannot record its outcome (\(Self.name(outcome))): \(error); the row is due again when its lease runs out", metadata: metadata)
            return DispatchRecord(id: entry.id, channel: entry.channel, attempt: entry.attempts, outcome: outcome, recorded: false)
        }
        guard recorded else {
            logger.warning("outbox row \(entry.id) was taken over by another dispatcher after this one's lease ran out; its outcome here (\(Self.name(outcome))) is not recorded", metadata: metadata)
            return DispatchRecord(id: entry.id, channel: entry.channel, attempt: entry.attempts, outcome: outcome, recorded: false)
        }
        metrics.actionFinished(strategy: entry.strategy, channel: entry.channel, outcome: Self.name(outcome))
        metadata["outcome"] = "\(Self.name(outcome))"
        switch outcome {
        case .sent(let receipt):
            if let detail = receipt["detail"]?.stringValue { metadata["detail"] = "\(detail)" }
        case .retry(let at, let error):
            metadata["retry_at"] = "\(at.iso8601)"
            metadata["reason"] = "\(error)"
        case .dead(let error):
            metadata["reason"] = "\(error)"
        case .skipped(let reason):
            metadata["reason"] = "\(reason)"
        case .heldOut:
            break
        case .deferred(let until):
            metadata["until"] = "\(until.iso8601)"
        }
        logger.info("outbox row \(Self.name(outcome))", metadata: metadata)
        return DispatchRecord(id: entry.id, channel: entry.channel, attempt: entry.attempts, outcome: outcome, recorded: true)
    }

    private func interrupted(_ entry: OutboxEntry) -> DispatchRecord {
        DispatchRecord(id: entry.id, channel: entry.channel, attempt: entry.attempts, outcome: nil, recorded: false)
    }

    /// `{"detail", "provider_message_id", …metadata}`: what the provider said, for the row's `receipt`.
    static func receipt(_ receipt: DeliveryReceipt) -> JSONObject {
        var object = JSONObject(receipt.metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })
        object["detail"] = .string(receipt.detail)
        if let id = receipt.providerMessageId { object["provider_message_id"] = .string(id) }
        return object
    }

    static func unknownChannel(_ id: String, row: Int64, known: [String]) -> String {
        let list = known.isEmpty ? "no channel is configured" : "configured: \(known.joined(separator: ", "))"
        return "unknown channel '\(id)' (\(list)); it was renamed or removed after the message was written: restore it, then POST /v1/outbox/\(row)/retry"
    }

    /// A plugin's `Duration` in whole milliseconds, rounded up.
    static func milliseconds(_ duration: Duration) -> AerDuration {
        let (seconds, attoseconds) = duration.components
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        guard !millis.overflow, seconds >= 0 else { return AerDuration(millis: seconds < 0 ? 0 : Int64.max / 2) }
        return AerDuration(millis: millis.partialValue + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    static func name(_ outcome: OutboxOutcome) -> String {
        switch outcome {
        case .sent: "sent"
        case .retry: "retry"
        case .dead: "dead"
        case .skipped: "skipped"
        case .heldOut: "held_out"
        case .deferred: "deferred"
        }
    }
}
