import Foundation

/// Where rate limit counters live.
///
/// ``InProcessRateLimitStore`` keeps them in memory, which is right for a single instance. When
/// several instances serve the same callers, ``RedisRateLimitStore`` keeps them in Redis so they
/// all count against the same limits; a shared store must keep each call atomic (in Redis, one Lua
/// script per call) and build its results with ``RateLimitDecision/init(allowed:windows:)``.
///
/// `key` identifies the caller: see ``RateLimitKey``. Every method takes the current time, so
/// callers (and tests) decide what "now" is.
public protocol RateLimitStore: Sendable {
    /// Atomically checks every window of `policy` for `key` and, only if all of them admit the
    /// request, counts it in each. A refused request counts nowhere.
    ///
    /// With an unlimited policy, returns ``RateLimitDecision/unlimited`` and counts nothing.
    func acquire(key: String, policy: RateLimitPolicy, now: Date) async throws -> RateLimitDecision

    /// Atomically checks every one of `checks` and, only if all of them admit the request, counts
    /// it under each key; otherwise counts it nowhere. The decision holds the windows of every
    /// check, in order, so its binding window is the tightest of them all.
    func acquire(_ checks: [RateLimitCheck], now: Date) async throws -> RateLimitDecision

    /// Adds provider tokens actually used (known after a reply) to the key's budget for the UTC day
    /// of `now`. Zero or negative amounts are ignored.
    func record(tokens: Int, key: String, now: Date) async throws

    /// Where the key's windows stand under `policy`, without counting anything (for
    /// `GET /api/rate-limit`); ``RateLimitDecision/allowed`` says whether a request now would pass.
    func status(key: String, policy: RateLimitPolicy, now: Date) async throws -> RateLimitDecision

    /// Checks that the store answers, within its timeout (for `/health`). The default does nothing:
    /// a store in this process always answers.
    func ping() async throws
}

extension RateLimitStore {
    /// Does nothing: a store in this process always answers.
    public func ping() async throws {}
}
