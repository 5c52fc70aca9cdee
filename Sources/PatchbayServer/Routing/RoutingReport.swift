import Foundation

/// What `/health` shows of the routing: each target's circuit breaker and each key's standing.
/// Never a key: keys are named by their place in `api_keys:`.
struct RoutingReport: Sendable {
    /// One target (a provider and model), whichever assistants use it.
    struct Target: Encodable, Sendable {
        var provider: String
        var model: String
        /// The assistants that list it.
        var assistants: [String]
        /// `closed`, `open` or `half_open`.
        var state: String
        /// Since when the breaker is in that state.
        var since: Date
        var consecutiveFailures: Int
        /// The code of the last failure that counted, if any.
        var lastErrorCode: String?
        /// When an open breaker lets a probe through.
        var retryAt: Date?
    }

    /// One API key of a provider.
    struct Key: Encodable, Sendable {
        /// Its place in `api_keys:` (0 for a provider without).
        var index: Int
        /// `available`, `rate_limited` (429: waits out the Retry-After) or `rejected` (401).
        var state: String
        /// When a key out of use is used again.
        var until: Date?
    }

    let targets: [Target]
    /// Each provider's keys, by provider name.
    let keys: [String: [Key]]

    init(routes: RouteTable, health: RoutingHealth) {
        var targets: [Target] = []
        var seen: [TargetID: Int] = [:]
        for route in routes.assistants {
            for target in route.targets {
                if let index = seen[target.id] {
                    targets[index].assistants.append(route.assistant.id)
                    continue
                }
                let breaker = health.breaker(target)
                seen[target.id] = targets.count
                targets.append(Target(provider: target.provider.name, model: target.target.model, assistants: [route.assistant.id],
                                      state: breaker.state.rawValue, since: breaker.since, consecutiveFailures: breaker.consecutiveFailures,
                                      lastErrorCode: breaker.lastErrorCode, retryAt: breaker.state == .open ? breaker.retryAt : nil))
            }
        }
        self.targets = targets
        var keys: [String: [Key]] = [:]
        for provider in routes.providers {
            keys[provider.name] = provider.keys.map { key in
                let standing = health.standing(of: key)
                return Key(index: key.index, state: standing?.reason.rawValue ?? "available", until: standing?.until)
            }
        }
        self.keys = keys
    }

    /// Whether every circuit is closed and no key is rejected.
    var isClear: Bool {
        targets.allSatisfy { $0.state == CircuitBreaker.State.closed.rawValue }
            && keys.values.allSatisfy { $0.allSatisfy { $0.state != KeyStanding.Reason.rejected.rawValue } }
    }
}
