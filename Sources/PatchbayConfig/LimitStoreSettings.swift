/// Where rate-limit counters are kept (`limits.store`), and what a chat turn meets when that
/// store does not answer (`limits.on_store_failure`).
public struct LimitStoreSettings: Sendable, Equatable {
    /// What happens to a request whose limits cannot be checked.
    public enum FailurePolicy: String, Sendable, Equatable, CaseIterable {
        /// Let it through, as if no limit applied (the default: a broken counter should not take
        /// the whole service down).
        case allow
        /// Refuse it with 503 `LIMITS_UNAVAILABLE` (for deployments where an unmetered request costs
        /// more than a refused one).
        case deny
    }

    /// The Redis server shared by every instance, when `limits.store` is set (its `${VARIABLE}`s
    /// resolved); nil keeps the counters in this process.
    public var redisURL: RedisURL?
    /// `limits.on_store_failure`: `allow` (default) or `deny`.
    public var onFailure: FailurePolicy
    /// `limits.store_timeout_ms`: the bound on each call to the store.
    public var timeoutMilliseconds: Int

    /// The default of `limits.store_timeout_ms`: well above a healthy Redis's sub-millisecond
    /// answers, well below what a user notices.
    public static let defaultTimeoutMilliseconds = 250

    /// Creates settings; the defaults keep the counters in this process.
    public init(redisURL: RedisURL? = nil, onFailure: FailurePolicy = .allow, timeoutMilliseconds: Int = LimitStoreSettings.defaultTimeoutMilliseconds) {
        self.redisURL = redisURL
        self.onFailure = onFailure
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The store's kind as `/health` shows it: `memory` or `redis`.
    public var kind: String { redisURL == nil ? "memory" : "redis" }

    /// Which store and where, for logs and restart notices (never the password).
    public var summary: String {
        redisURL.map { "redis \($0)" } ?? "memory"
    }
}
