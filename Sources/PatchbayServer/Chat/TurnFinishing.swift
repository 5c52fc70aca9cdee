import Logging
import PatchbayRateLimit

/// The clean-up of a turn, run once by ``ChatTurn/finish()``: what was taken when the turn was
/// admitted is given back, and what the reply amounted to is recorded.
struct TurnFinishing: Sendable {
    /// The stored conversation, when the turn keeps one.
    let conversation: ConversationTurn?
    let limiter: RateLimiter
    /// The budgets the turn was counted against; its tokens are recorded under them.
    let checks: [RateLimitCheck]
    /// The caller's stream slot, for a streamed turn.
    let slot: OpenStreamSlot?
    let metrics: PatchbayMetrics
    let requestLog: RequestLogRecord
    let logger: Logger
    let model: String

    func finish(_ record: ReplyRecord) async {
        let outcome = record.outcome
        let usage = record.usage
        await conversation?.recordReply(record.text, status: outcome.status, errorCode: outcome.errorCode, usage: usage, logger: logger)
        await limiter.record(usage, under: checks, logger: logger)
        if let slot {
            slot.release()
            metrics.streamOpened(false)
        }
        var metadata: Logger.Metadata = ["model": .string(model), "outcome": .string(outcome.status.rawValue)]
        if let usage {
            metadata["tokens.input"] = .stringConvertible(usage.inputTokens)
            metadata["tokens.output"] = .stringConvertible(usage.outputTokens)
        }
        for (key, value) in metadata { requestLog.set(key, value) }
        logger.debug("chat ended", metadata: metadata)
    }
}
