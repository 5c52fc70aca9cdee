import Foundation
import Logging

/// Whether the response cache's shared store answers: an outage is logged once when it starts
/// and once when it ends, each failed call is counted (`patchbay_cache_store_failures_total`),
/// and `patchbay_cache_store_reachable` shows the state. The same pattern as the rate-limit
/// store's ``LimitStoreHealth``, with the cache's own words and metrics.
final class ReplyStoreHealth: Sendable {
    private let metrics: PatchbayMetrics
    private let outage: OutageTracker

    init(metrics: PatchbayMetrics, now: Date) {
        self.metrics = metrics
        self.outage = OutageTracker(now: now)
        metrics.cacheStoreReachable(true)
    }

    /// A call was answered: ends an outage, if one was going on.
    func succeeded(now: Date, logger: Logger) {
        guard let outage = outage.answered(now: now) else { return }
        metrics.cacheStoreReachable(true)
        logger.notice("response cache store answers again; exact entries are shared again", metadata: [
            "cache.outage_seconds": .stringConvertible(Int(now.timeIntervalSince(outage).rounded(.up)))
        ])
    }

    /// A call failed: counted, and logged as an error at the first failure of an outage (at
    /// debug level after that).
    /// - Parameter operation: `reply`, `store`, `clear` or `usage`.
    func failed(_ error: any Error, operation: String, now: Date, logger: Logger) {
        metrics.cacheStoreFailed(operation: operation)
        let started = outage.failed(now: now)
        let metadata: Logger.Metadata = ["cache.operation": .string(operation), "error": .string("\(error)")]
        guard started else {
            logger.debug("response cache store still unreachable", metadata: metadata)
            return
        }
        metrics.cacheStoreReachable(false)
        logger.error("response cache store unreachable: exact entries are looked up and kept in this instance's memory until it answers",
                     metadata: metadata)
    }
}
