import Foundation
import Synchronization

/// A ``RateLimitStore`` that keeps its counters in this process's memory.
///
/// Right for a single instance; several instances each counting on their own would each allow the
/// full limit, so they need a shared store instead.
///
/// ## Exactness
///
/// One `Mutex` guards every counter, and a request's windows are all checked and counted in one
/// critical section: with a limit of N, exactly N of any number of concurrent requests pass. The
/// critical section is short and never suspends.
///
/// ## Memory
///
/// A key's counters are dropped once they mean nothing more than fresh ones (every window that
/// counted something has ended and the burst bucket is full again): lazily, by a sweep at most
/// once a minute (of the `now` callers pass), or with ``removeExpired(now:)``. At most
/// ``maxKeys`` keys are held; a new key beyond that evicts the least recently used one, so a
/// caller rotating addresses cannot grow memory without bound. Evicting a key forgets its counts,
/// so size ``maxKeys`` well above the number of callers active within a day.
public final class InProcessRateLimitStore: RateLimitStore {
    private struct State {
        var keys: LRUTable<KeyState>
        var nextSweepAt: Int64 = .min
    }

    /// How often, at most, a call sweeps out expired keys.
    private static let sweepInterval: Int64 = 60 * Microseconds.perSecond

    /// The most keys held at once.
    public let maxKeys: Int
    private let state: Mutex<State>

    /// Creates an empty store holding at most `maxKeys` keys (at least 1).
    public init(maxKeys: Int = 100_000) {
        precondition(maxKeys > 0, "maxKeys must be at least 1")
        self.maxKeys = maxKeys
        self.state = Mutex(State(keys: LRUTable(capacity: maxKeys)))
    }

    /// How many keys the store holds counters for now.
    public var keyCount: Int {
        self.state.withLock { $0.keys.count }
    }

    /// Checks every window of `policy` for `key` and, only if all admit the request, counts it in
    /// each, atomically. Never throws.
    public func acquire(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision {
        guard !policy.isUnlimited else { return .unlimited }
        let now = Microseconds.from(now)
        return self.state.withLock { state in
            Self.sweepIfDue(&state, now: now)
            return state.keys.withValue(forKey: key, default: { KeyState() }) { keyState in
                keyState.evaluate(policy: policy, now: now, count: true)
            }
        }
    }

    /// Checks every one of `checks` and counts the request under each key only if all of them
    /// admit it, in one critical section. Never throws.
    public func acquire(_ checks: [RateLimitCheck], now: Date) -> RateLimitDecision {
        let checks = checks.filter { !$0.policy.isUnlimited }
        guard !checks.isEmpty else { return .unlimited }
        let now = Microseconds.from(now)
        return self.state.withLock { state in
            Self.sweepIfDue(&state, now: now)
            var windows: [RateLimitWindowStatus] = []
            var allowed = true
            for check in checks {
                let decision = state.keys.withValue(forKey: check.key, default: { KeyState() }) { keyState in
                    keyState.evaluate(policy: check.policy, now: now, count: false)
                }
                allowed = allowed && decision.allowed
                windows += decision.windows
            }
            guard allowed else { return RateLimitDecision(allowed: false, windows: windows) }
            // Every check admits the request: count it under each key.
            windows = []
            for check in checks {
                windows += state.keys.withValue(forKey: check.key, default: { KeyState() }) { keyState in
                    keyState.evaluate(policy: check.policy, now: now, count: true)
                }.windows
            }
            return RateLimitDecision(allowed: true, windows: windows)
        }
    }

    /// Adds `tokens` to the key's token count for the UTC day of `now`. Never throws.
    public func record(tokens: Int, key: String, now: Date) {
        guard tokens > 0 else { return }
        let now = Microseconds.from(now)
        self.state.withLock { state in
            Self.sweepIfDue(&state, now: now)
            state.keys.withValue(forKey: key, default: { KeyState() }) { keyState in
                keyState.record(tokens: tokens, now: now)
            }
        }
    }

    /// Where the key's windows stand, without counting anything, creating the key, or marking it
    /// used. Never throws.
    public func status(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision {
        guard !policy.isUnlimited else { return .unlimited }
        let now = Microseconds.from(now)
        var keyState = self.state.withLock { $0.keys.peek(key) } ?? KeyState()
        return keyState.evaluate(policy: policy, now: now, count: false)
    }

    /// Drops every key whose counters have all expired at `now`; returns how many were dropped.
    ///
    /// Calls already do this at most once a minute; a server may also call it from a periodic task.
    @discardableResult
    public func removeExpired(now: Date) -> Int {
        let now = Microseconds.from(now)
        return self.state.withLock { state in
            state.nextSweepAt = now + Self.sweepInterval
            return state.keys.removeAll { $0.isExpired(at: now) }
        }
    }

    /// The keys held, most recently used first (for tests).
    var keysByRecentUse: [String] {
        self.state.withLock { $0.keys.keysNewestFirst }
    }

    private static func sweepIfDue(_ state: inout State, now: Int64) {
        guard now >= state.nextSweepAt else { return }
        state.nextSweepAt = now + Self.sweepInterval
        state.keys.removeAll { $0.isExpired(at: now) }
    }
}
