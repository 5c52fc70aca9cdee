import Foundation
import PatchbayRedis
import ServiceLifecycle

/// A ``RateLimitStore`` in Redis, shared by every instance that points at the same server: the
/// same windows, burst and token budgets as ``InProcessRateLimitStore``, with the same results
/// for the same calls and clock.
///
/// Each call is one run of one Lua script (``RateLimitScript``), so every check-and-count is atomic
/// on the server: with a limit of N, exactly N of any number of concurrent requests pass, across
/// all instances. The time is the caller's `now`, never the server's, so windows agree with the
/// host's clock (and tests can pin it). Keys expire by themselves once they mean nothing more than
/// a fresh one; nothing needs sweeping.
///
/// Calls fail (throw ``RedisError``) within the client's timeout when Redis is down or slow: the
/// caller decides whether a request goes through then.
///
/// As a ServiceLifecycle `Service`, ``run()`` closes the client's connections at graceful shutdown.
public final class RedisRateLimitStore: RateLimitStore, Service {
    /// The connection to Redis.
    public let client: RedisClient
    /// Put before every key, so the counters sit apart from other data in the same database.
    public let keyPrefix: String
    /// Added to each key's time to live, for clocks that differ between instances.
    public let expirySlack: Duration

    /// Creates a store on `client`.
    /// - Parameters:
    ///   - keyPrefix: put before every caller key (`patchbay:limits:addr:10.0.0.1`).
    ///   - expirySlack: how much longer than its counters mean something Redis keeps a key (2 s
    ///     by default: instances whose clocks differ by less still agree).
    public init(client: RedisClient, keyPrefix: String = "patchbay:limits:", expirySlack: Duration = .seconds(2)) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.expirySlack = expirySlack
    }

    /// Checks every window of `policy` for `key` and counts the request in each if all admit it,
    /// atomically on the server.
    public func acquire(key: String, policy: RateLimitPolicy, now: Date) async throws -> RateLimitDecision {
        try await self.acquire([RateLimitCheck(key: key, policy: policy)], now: now)
    }

    /// Checks every one of `checks` and counts the request under each key only if all admit it,
    /// in one script run.
    public func acquire(_ checks: [RateLimitCheck], now: Date) async throws -> RateLimitDecision {
        let checks = checks.filter { !$0.policy.isUnlimited }
        guard !checks.isEmpty else { return .unlimited }
        return try await self.run(.acquire, checks, now: now)
    }

    /// Adds `tokens` to the key's count for the UTC day of `now` (`HINCRBY`, saturating) and keeps
    /// the key until that day's end.
    public func record(tokens: Int, key: String, now: Date) async throws {
        guard tokens > 0 else { return }
        let arguments = self.header(.record, now: Microseconds.from(now)) + [String(tokens)]
        _ = try await self.client.evaluate(RateLimitScript.script, keys: [self.keyPrefix + key], arguments: arguments)
    }

    /// Where the key's windows stand, reading only: nothing is counted or written.
    public func status(key: String, policy: RateLimitPolicy, now: Date) async throws -> RateLimitDecision {
        guard !policy.isUnlimited else { return .unlimited }
        return try await self.run(.status, [RateLimitCheck(key: key, policy: policy)], now: now)
    }

    /// `PING`: whether Redis answers within the timeout.
    public func ping() async throws {
        try await self.client.send(["PING"])
    }

    /// Closes the client's connections at graceful shutdown.
    public func run() async {
        await self.client.run()
    }

    private func run(_ mode: RateLimitScript.Mode, _ checks: [RateLimitCheck], now date: Date) async throws -> RateLimitDecision {
        let now = Microseconds.from(date)
        var arguments = self.header(mode, now: now)
        for check in checks {
            let policy = check.policy
            let limits: [Int?] = [policy.requestsPerMinute, policy.requestsPerHour, policy.requestsPerDay, policy.tokensPerDay]
            arguments += limits.map { $0.map(String.init) ?? "" }
            if let burst = policy.burst {
                arguments += [String(BurstBucket.capacity(burst: burst)), String(policy.burstRefillPerMinute)]
            } else {
                arguments += ["", ""]
            }
        }
        let reply = try await self.client.evaluate(RateLimitScript.script, keys: checks.map { self.keyPrefix + $0.key }, arguments: arguments)
        return try Self.decision(from: reply, checks: checks, now: now)
    }

    private func header(_ mode: RateLimitScript.Mode, now: Int64) -> [String] {
        let lengths = [RateLimitWindow.minute, .hour, .day].map { String($0.lengthMicroseconds!) }
        let slack = self.expirySlack.components
        let slackMilliseconds = slack.seconds * 1_000 + slack.attoseconds / 1_000_000_000_000_000
        return [mode.rawValue, String(now), String(BurstBucket.unitsPerRequest)] + lengths + [String(slackMilliseconds)]
    }

    /// The script's reply, `[allowed, 11 fields per check…]`, as a decision reported exactly as the
    /// in-process store reports it.
    static func decision(from reply: RESPValue, checks: [RateLimitCheck], now: Int64) throws -> RateLimitDecision {
        let width = RateLimitScript.fields.count
        guard let values = reply.arrayValue, values.count == 1 + width * checks.count, let allowed = values[0].intValue else {
            throw RedisError(code: .protocolViolation, message: "the rate limit script returned an unexpected reply")
        }
        var windows: [RateLimitWindowStatus] = []
        for (index, check) in checks.enumerated() {
            let snapshot = values[(1 + index * width)..<(1 + (index + 1) * width)].map { $0.intValue }
            var state = KeyState(snapshot: Array(snapshot))
            windows += state.report(policy: check.policy, now: now)
        }
        return RateLimitDecision(allowed: allowed == 1, windows: windows)
    }
}

extension KeyState {
    /// The state the script returned: its ``RateLimitScript/fields``, nil where the key has none.
    init(snapshot values: [Int64?]) {
        func counter(_ start: Int64?, _ count: Int64?) -> WindowCounter? {
            guard let start, let count else { return nil }
            return WindowCounter(start: start, count: Int(count))
        }
        self.init()
        self.minute = counter(values[0], values[1])
        self.hour = counter(values[2], values[3])
        self.day = counter(values[4], values[5])
        self.tokens = counter(values[6], values[7])
        if let level = values[8], let updatedAt = values[9], let fullAt = values[10] {
            self.burst = BurstBucket(level: level, updatedAt: updatedAt, fullAt: fullAt)
        }
    }
}
