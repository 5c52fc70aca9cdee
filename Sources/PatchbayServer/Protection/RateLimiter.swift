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
public struct RateLimiter: Sendable {
    /// Where the counters live.
    let store: any RateLimitStore
    /// Open streams per caller (the cap is read from each request's live settings).
    let streams = OpenStreamCounter()
    /// The time windows are counted in (tests pin it).
    let now: @Sendable () -> Date

    /// Creates a limiter. The limits themselves are read from each request's live settings.
    /// - Parameters:
    ///   - store: the counters; in-process unless several instances must share them.
    ///   - now: the clock.
    public init(store: any RateLimitStore = InProcessRateLimitStore(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
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
    /// A store that fails lets the request through (and logs why): a broken counter should not
    /// take the whole service down.
    func acquire(_ checks: [RateLimitCheck], logger: Logger) async -> RateLimitDecision {
        guard !checks.isEmpty else { return .unlimited }
        do {
            return try await store.acquire(checks, now: now())
        } catch {
            logger.error("rate limit store failed; request let through: \(error)")
            return .unlimited
        }
    }

    /// Where `key` stands under `policy`, counting nothing; nil if the store fails.
    func status(key: String, policy: RateLimitPolicy, logger: Logger) async -> RateLimitDecision? {
        guard !policy.isUnlimited else { return .unlimited }
        do {
            return try await store.status(key: key, policy: policy, now: now())
        } catch {
            logger.error("rate limit store failed: \(error)")
            return nil
        }
    }

    /// Adds a reply's tokens to every check that has a daily token budget.
    func record(_ usage: TokenUsage?, under checks: [RateLimitCheck], logger: Logger) async {
        guard let tokens = usage?.totalTokens, tokens > 0 else { return }
        for check in checks where check.policy.tokensPerDay != nil {
            do {
                try await store.record(tokens: tokens, key: check.key, now: now())
            } catch {
                logger.error("rate limit store failed to record \(tokens) tokens: \(error)")
            }
        }
    }
}
