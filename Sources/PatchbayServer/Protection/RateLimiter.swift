import Foundation
import Logging
import PatchbayConfig
import PatchbayPluginHost
import PatchbayRateLimit

/// Applies providers.yaml's rate limits to callers.
///
/// - The caller is its API key, else its client address (`X-Forwarded-For` believed only from a
///   trusted proxy).
/// - The top-level `limits:` apply to every caller across all assistants; a key's own `limits:`
///   override them field by field.
/// - An assistant's `limits:` apply to each caller on that assistant alone, on top of the above.
/// - Only chat turns are counted: they are what spends the provider budget. Every other response
///   shows where the caller stands without counting anything.
/// - When the store fails (Redis down or slow), a chat turn is let through or refused as
///   `limits.on_store_failure` says; a status lookup shows no headers; the outage is logged once,
///   counted and shown in `/health` (``LimitStoreHealth``).
public struct RateLimiter: Sendable {
    /// Where the counters live.
    let store: any RateLimitStore
    /// Whether the store answers.
    let health: LimitStoreHealth
    /// Open streams per caller (the cap is read from each request's live settings).
    let streams = OpenStreamCounter()
    /// The time windows are counted in (tests pin it).
    let now: @Sendable () -> Date

    /// Creates a limiter. The limits themselves are read from each request's live settings.
    /// - Parameters:
    ///   - store: the counters; in-process unless several instances must share them.
    ///   - metrics: where the store's failures are counted.
    ///   - now: the clock.
    init(store: any RateLimitStore, metrics: PatchbayMetrics, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.health = LimitStoreHealth(kind: Self.kind(of: store), metrics: metrics, now: now())
        self.now = now
    }

    /// How `/health` names where the counters live.
    static func kind(of store: any RateLimitStore) -> String {
        switch store {
        case is InProcessRateLimitStore: "memory"
        case is RedisRateLimitStore: "redis"
        default: String(describing: type(of: store))
        }
    }

    /// The store failed and `limits.on_store_failure` is `deny`: the turn cannot be counted, so it
    /// is refused.
    struct LimitsUnavailable: Error {
        /// What the client is told (with 503 `LIMITS_UNAVAILABLE`).
        static let message = "Usage limits cannot be checked right now, so requests are refused. Please try again in a moment."
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy, in which case the
    /// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
    static func clientAddress(peer: String?, forwardedFor: [String], trustedProxies: [IPNetwork]) -> String {
        guard let peer else { return "unknown" }
        func isTrusted(_ address: String) -> Bool { trustedProxies.contains { $0.contains(address) } }
        guard isTrusted(peer), !forwardedFor.isEmpty else { return peer }
        // Each proxy appends the address it received from, so the chain is read from the right.
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !hop.isEmpty && !isTrusted(hop) {
            return hop
        }
        return hops.first(where: { !$0.isEmpty }) ?? peer
    }

    /// The caller's limits across every assistant: the global ones, overridden by its key's.
    func callerPolicy(global: RateLimitPolicy, key: AuthenticatedKey?) -> RateLimitPolicy {
        key.map { global.overridden(by: $0.limits) } ?? global
    }

    /// What a chat turn on `assistant` is counted against.
    func checks(caller: String, global: RateLimitPolicy, key: AuthenticatedKey?, assistant: AssistantSettings) -> [RateLimitCheck] {
        var checks = [RateLimitCheck(key: caller, policy: callerPolicy(global: global, key: key))]
        if !assistant.limits.isUnlimited {
            checks.append(RateLimitCheck(key: RateLimitKey.scoped(caller, assistant: assistant.id), policy: assistant.limits))
        }
        return checks.filter { !$0.policy.isUnlimited }
    }

    /// Counts a chat turn under every check, or refuses it.
    ///
    /// When the store fails, `onStoreFailure` decides: `allow` lets the turn through unlimited (a
    /// broken counter should not take the whole service down), `deny` refuses it.
    /// - Throws: ``LimitsUnavailable`` when the store failed and `onStoreFailure` is `deny`.
    func acquire(_ checks: [RateLimitCheck], onStoreFailure: LimitStoreSettings.FailurePolicy, logger: Logger) async throws(LimitsUnavailable) -> RateLimitDecision {
        guard !checks.isEmpty else { return .unlimited }
        do {
            let decision = try await store.acquire(checks, now: now())
            health.succeeded(now: now(), logger: logger)
            return decision
        } catch {
            health.failed(error, operation: "acquire", onFailure: onStoreFailure, now: now(), logger: logger)
            guard onStoreFailure == .allow else { throw LimitsUnavailable() }
            return .unlimited
        }
    }

    /// Where `key` stands under `policy`, counting nothing; nil if the store fails.
    func status(key: String, policy: RateLimitPolicy, onStoreFailure: LimitStoreSettings.FailurePolicy, logger: Logger) async -> RateLimitDecision? {
        guard !policy.isUnlimited else { return .unlimited }
        do {
            let decision = try await store.status(key: key, policy: policy, now: now())
            health.succeeded(now: now(), logger: logger)
            return decision
        } catch {
            health.failed(error, operation: "status", onFailure: onStoreFailure, now: now(), logger: logger)
            return nil
        }
    }

    /// Adds a reply's tokens to every check that has a daily token budget. A store that fails
    /// loses them (the outage is logged and counted).
    func record(_ usage: TokenUsage?, under checks: [RateLimitCheck], onStoreFailure: LimitStoreSettings.FailurePolicy, logger: Logger) async {
        guard let tokens = usage?.totalTokens, tokens > 0 else { return }
        for check in checks where check.policy.tokensPerDay != nil {
            do {
                try await store.record(tokens: tokens, key: check.key, now: now())
                health.succeeded(now: now(), logger: logger)
            } catch {
                health.failed(error, operation: "record", onFailure: onStoreFailure, now: now(), logger: logger)
            }
        }
    }

    /// Asks the store whether it answers (for `/health`), and returns where it stands.
    func probe(onStoreFailure: LimitStoreSettings.FailurePolicy, logger: Logger) async -> LimitStoreHealth.Report {
        do {
            try await store.ping()
            health.succeeded(now: now(), logger: logger)
        } catch {
            health.failed(error, operation: "ping", onFailure: onStoreFailure, now: now(), logger: logger)
        }
        return health.report(onFailure: onStoreFailure)
    }
}
