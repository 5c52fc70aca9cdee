import Foundation
import Synchronization

/// Whether a store the server calls (Redis, for limits or the cache) answers, changing state only
/// when an outage starts or ends — so that each is logged once, not once per failed call.
final class OutageTracker: Sendable {
    private struct State {
        var reachable = true
        var since: Date
    }

    private let state: Mutex<State>

    /// Starts reachable, since `now`.
    init(now: Date) {
        state = Mutex(State(since: now))
    }

    /// A call was answered. Returns when the outage it ends began, if there was one.
    func answered(now: Date) -> Date? {
        state.withLock { state -> Date? in
            guard !state.reachable else { return nil }
            defer { state = State(reachable: true, since: now) }
            return state.since
        }
    }

    /// A call failed. Returns whether this failure starts an outage.
    func failed(now: Date) -> Bool {
        state.withLock { state -> Bool in
            guard state.reachable else { return false }
            state = State(reachable: false, since: now)
            return true
        }
    }

    /// Whether the last call was answered, and since when that has been so.
    var current: (reachable: Bool, since: Date) {
        state.withLock { ($0.reachable, $0.since) }
    }
}
