import Logging
import PatchbayRateLimit

extension ChatTurns {
    /// What admitting a turn took: a stream slot (streamed turns), and the budgets it was counted against.
    struct Admission: Sendable {
        var slot: OpenStreamSlot?
        var checks: [RateLimitCheck]
    }

    /// Takes a stream slot for a streamed turn, then counts the turn against the caller's and the
    /// assistant's budgets. Limits apply only to a turn that can be served, and the slot is taken
    /// first, so a turn refused for want of one is not counted against the request budget.
    func admit(_ request: TurnRequest, caller: TurnCaller, route: AssistantRoute, settings: LiveSettings,
               logger: Logger) async throws(TurnError) -> Admission {
        var slot: OpenStreamSlot? = nil
        if request.stream {
            let cap = settings.maxStreamsPerCaller
            guard let taken = limiter.streams.take(for: caller.record.key, limit: cap) else {
                metrics.rateLimitRefused(limit: "streams")
                logger.notice("refused: \(cap ?? 0) streams already open for this caller")
                throw TurnError(.rateLimited, "Too many replies are streaming at once. Please wait for one to finish.", retryAfterSeconds: 1)
            }
            slot = taken
        }
        let checks = limiter.checks(caller: caller.record.key, global: settings.configuration.limits, key: caller.key, assistant: route.assistant)
        let decision: RateLimitDecision
        do {
            decision = try await limiter.acquire(checks, onStoreFailure: settings.configuration.limitStore.onFailure, logger: logger)
        } catch {
            slot?.release()
            throw TurnError(.limitsUnavailable, RateLimiter.LimitsUnavailable.message)
        }
        caller.record.decision = decision
        guard decision.allowed else {
            slot?.release()
            let window = decision.binding?.name ?? "unknown"
            metrics.rateLimitRefused(limit: window)
            logger.notice("rate limited", metadata: ["rate_limit.window": .string(window)])
            let wait = decision.retryAfterSeconds.map { " Please try again in \($0) seconds." } ?? ""
            throw TurnError(.rateLimited, "Too many requests.\(wait)")
        }
        return Admission(slot: slot, checks: checks)
    }
}
