import Logging
import PatchbayConfig
import PatchbayRateLimit
import PatchbayStorage

/// The clean-up of a turn, run once by ``ChatTurn/finish()``: what was taken when the turn was
/// admitted is given back, and what the reply amounted to is recorded. A class: every call of
/// the turn and the turn itself hold it, and as a value it was over 900 bytes in each frame.
final class TurnFinishing: Sendable {
    /// The stored conversation, when the turn keeps one.
    let conversation: ConversationTurn?
    let limiter: RateLimiter
    /// The budgets the turn was counted against; its tokens are recorded under them.
    let checks: [RateLimitCheck]
    /// `limits.on_store_failure` when the turn started (for the log, should recording fail).
    let onStoreFailure: LimitStoreSettings.FailurePolicy
    /// The caller's stream slot, for a streamed turn.
    let slot: OpenStreamSlot?
    let metrics: PatchbayMetrics
    let requestLog: RequestLogRecord
    let logger: Logger
    /// The cache, and the miss this turn fills when its reply completes.
    let cache: (ResponseCache, CacheFill)?

    init(conversation: ConversationTurn?, limiter: RateLimiter, checks: [RateLimitCheck], onStoreFailure: LimitStoreSettings.FailurePolicy,
         slot: OpenStreamSlot?, metrics: PatchbayMetrics, requestLog: RequestLogRecord, logger: Logger, cache: (ResponseCache, CacheFill)?) {
        self.conversation = conversation
        self.limiter = limiter
        self.checks = checks
        self.onStoreFailure = onStoreFailure
        self.slot = slot
        self.metrics = metrics
        self.requestLog = requestLog
        self.logger = logger
        self.cache = cache
    }

    /// What the door tells its client about the cache.
    var cacheReport: CacheReport { cache?.1.report ?? .bypass }

    /// Finishes the turn whose last call (the one that answered, or the last that failed) is `record`, to the target `metadata` names.
    func finish(_ record: ReplyRecord, answeredBy metadata: TurnMetadata) async {
        let outcome = record.outcome
        let usage = record.usage
        await conversation?.recordReply(record.text, status: outcome.status, errorCode: outcome.errorCode, usage: usage,
                                        provider: metadata.provider, model: metadata.model, logger: logger)
        // Only a complete reply moves the provider's thread on; anything else leaves it behind
        // the stored conversation, so it is dropped and the next turn sends the whole context.
        let state = outcome.status == .complete ? record.providerState.map { ProviderState(provider: metadata.provider, value: $0) } : nil
        await conversation?.keepProviderState(state, logger: logger)
        // Only a complete reply with text is kept: never an error, a cancelled or an empty one.
        if let (cache, fill) = self.cache, outcome.status == .complete, !record.deltas.isEmpty {
            await cache.store(CachedReply(deltas: record.deltas, finishReason: record.finishReason, provider: metadata.provider,
                                          model: metadata.model, prompt: fill.key.prompt), for: fill, logger: logger)
        }
        await limiter.record(usage, under: checks, onStoreFailure: onStoreFailure, logger: logger)
        if let slot {
            slot.release()
            metrics.streamOpened(false)
        }
        var fields: Logger.Metadata = [
            "provider": .string(metadata.provider), "model": .string(metadata.model), "outcome": .string(outcome.status.rawValue),
        ]
        if let usage {
            fields["tokens.input"] = .stringConvertible(usage.inputTokens)
            fields["tokens.output"] = .stringConvertible(usage.outputTokens)
        }
        for (key, value) in fields { requestLog.set(key, value) }
        logger.debug("chat ended", metadata: fields)
    }
}
