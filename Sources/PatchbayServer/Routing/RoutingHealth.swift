import Foundation
import PatchbayPluginHost
import Synchronization

/// What the routing has learnt about targets and keys: each target's circuit breaker and each
/// API key's cool-down. One per server, in memory, outliving reloads: a reload keeps the state of
/// targets and keys it did not change, and forgets the rest.
public final class RoutingHealth: Sendable {
    private struct State {
        var breakers: [TargetID: CircuitBreaker] = [:]
        var keys: [KeyID: KeyStanding] = [:]
    }

    private let state = Mutex(State())
    /// The clock breakers and cool-downs are counted in (tests set it).
    let now: @Sendable () -> Date
    private let metrics: PatchbayMetrics

    /// Creates an empty state: every breaker closed, every key in use.
    init(metrics: PatchbayMetrics, now: @escaping @Sendable () -> Date) {
        self.metrics = metrics
        self.now = now
    }

    /// Asks the target's breaker whether a call may go (a half-open one lets its one probe through).
    func admit(_ target: TargetRoute) -> CircuitBreaker.Admission {
        let now = now()
        let (admission, changed) = state.withLock { state -> (CircuitBreaker.Admission, Bool) in
            var breaker = state.breakers[target.id] ?? CircuitBreaker(now: now)
            let before = breaker.state
            let admission = breaker.admit(now: now)
            state.breakers[target.id] = breaker
            return (admission, breaker.state != before)
        }
        if changed { metrics.circuitChanged(provider: target.provider.name, model: target.target.model, to: .halfOpen) }
        return admission
    }

    /// The keys of `provider` in use now, in their order.
    func usableKeys(of provider: ProviderRoute) -> [ProviderKey] {
        let now = now()
        return state.withLock { state in provider.keys.filter { key in state.keys[key.id].map { $0.until <= now } ?? true } }
    }

    /// When `target` could take a call, if not now: its breaker is open (or probing), or every
    /// key of its provider is cooling down. Claims nothing.
    func unavailableUntil(_ target: TargetRoute) -> Date? {
        let now = now()
        return state.withLock { state in
            let breaker = state.breakers[target.id]?.refusedUntil(now: now)
            let keyTimes = target.provider.keys.map { key in state.keys[key.id].flatMap { $0.until > now ? $0.until : nil } }
            let keys = keyTimes.contains(nil) ? nil : keyTimes.compactMap { $0 }.min()
            switch (breaker, keys) {
            case (let breaker?, let keys?): return max(breaker, keys)
            case (let breaker?, nil): return breaker
            case (nil, let keys?): return keys
            case (nil, nil): return nil
            }
        }
    }

    /// Records how a call to `target` with `key` ended: the key cools down if the upstream blamed
    /// it, and the breaker learns the outcome.
    func callEnded(_ target: TargetRoute, key: ProviderKey, probe: Bool, verdict: CallVerdict) {
        let now = now()
        let standing = KeyStanding(verdict, now: now)
        let changed = state.withLock { state -> CircuitBreaker.State? in
            if let standing { state.keys[key.id] = standing }
            var breaker = state.breakers[target.id] ?? CircuitBreaker(now: now)
            let changed = breaker.record(verdict.breakerOutcome, probe: probe, now: now, settings: target.provider.circuitBreaker)
            state.breakers[target.id] = breaker
            return changed
        }
        if let standing { metrics.keyCooledDown(provider: target.provider.name, key: key.index, reason: standing.reason.rawValue) }
        if let changed { metrics.circuitChanged(provider: target.provider.name, model: target.target.model, to: changed) }
    }

    /// The target's breaker as it stands (closed if it never saw a call).
    func breaker(_ target: TargetRoute) -> CircuitBreaker {
        let now = now()
        return state.withLock { $0.breakers[target.id] } ?? CircuitBreaker(now: now)
    }

    /// Why `key` is out of use, if it is now.
    func standing(of key: ProviderKey) -> KeyStanding? {
        let now = now()
        return state.withLock { $0.keys[key.id] }.flatMap { $0.until > now ? $0 : nil }
    }

    /// Forgets the targets and keys `routes` no longer has (a reload changed or removed them).
    func keepOnly(_ routes: RouteTable) {
        let targets = Set(routes.assistants.flatMap { $0.targets.map(\.id) })
        let keys = Set(routes.providers.flatMap { $0.keys.map(\.id) })
        state.withLock { state in
            state.breakers = state.breakers.filter { targets.contains($0.key) }
            state.keys = state.keys.filter { keys.contains($0.key) }
        }
    }
}
