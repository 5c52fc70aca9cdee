import Foundation
import Logging
import PatchbayConfig

/// Whether the rate-limit store answers: an outage is logged once when it starts and once when it
/// ends, each failed call is counted (`patchbay_limit_store_failures_total`), and the state is
/// shown in `/health` (`limits`).
final class LimitStoreHealth: Sendable {
    /// `/health`'s `limits` object.
    struct Report: Encodable, Sendable {
        /// Where the counters live: `memory` or `redis`.
        var store: String
        /// Whether the last call to the store was answered.
        var reachable: Bool
        /// When it became (un)reachable: the server's start until the first change.
        var since: Date
        /// `limits.on_store_failure` in force: `allow` or `deny`.
        var onStoreFailure: String
    }

    /// Where the counters live: `memory` or `redis`.
    let kind: String
    private let metrics: PatchbayMetrics
    private let outage: OutageTracker

    init(kind: String, metrics: PatchbayMetrics, now: Date) {
        self.kind = kind
        self.metrics = metrics
        self.outage = OutageTracker(now: now)
        metrics.limitStoreReachable(true)
    }

    /// A call was answered: ends an outage, if one was going on.
    func succeeded(now: Date, logger: Logger) {
        guard let outage = outage.answered(now: now) else { return }
        metrics.limitStoreReachable(true)
        logger.notice("rate limit store answers again; limits apply", metadata: [
            "limits.store": .string(kind), "limits.outage_seconds": .stringConvertible(Int(now.timeIntervalSince(outage).rounded(.up))),
        ])
    }

    /// A call failed: counted, and logged as an error at the first failure of an outage (at
    /// debug level after that).
    /// - Parameters:
    ///   - operation: `acquire`, `status`, `record` or `ping`.
    ///   - onFailure: what chat turns meet while it lasts.
    func failed(_ error: any Error, operation: String, onFailure: LimitStoreSettings.FailurePolicy, now: Date, logger: Logger) {
        metrics.limitStoreFailed(operation: operation)
        let started = outage.failed(now: now)
        let metadata: Logger.Metadata = ["limits.store": .string(kind), "limits.operation": .string(operation), "error": .string("\(error)")]
        guard started else {
            logger.debug("rate limit store still unreachable", metadata: metadata)
            return
        }
        metrics.limitStoreReachable(false)
        let effect =
            switch onFailure {
            case .allow: "chat turns are let through unlimited"
            case .deny: "chat turns are refused with 503"
            }
        logger.error("rate limit store unreachable: \(effect) until it answers (limits.on_store_failure: \(onFailure.rawValue))", metadata: metadata)
    }

    /// Where the store stands now.
    func report(onFailure: LimitStoreSettings.FailurePolicy) -> Report {
        let state = outage.current
        return Report(store: kind, reachable: state.reachable, since: state.since, onStoreFailure: onFailure.rawValue)
    }
}
