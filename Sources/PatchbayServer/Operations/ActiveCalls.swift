import PatchbayPluginHost
import Synchronization

/// The provider calls in flight, so that a server shutting down can let them finish for a grace
/// period and then stop the rest, each with a final error its client can show.
public final class ActiveCalls: Sendable {
    /// One registered call: whether the server stopped it, and how to take it off the list.
    final class Registration: Sendable {
        fileprivate let id: Int
        fileprivate let stoppedByServer = Atomic(false)
        private let owner: ActiveCalls

        fileprivate init(id: Int, owner: ActiveCalls) {
            self.id = id
            self.owner = owner
        }

        /// Whether the call ended because the server interrupted it (shutdown), not on its own.
        var wasInterrupted: Bool { stoppedByServer.load(ordering: .acquiring) }

        /// Takes the call off the list; idempotent.
        func end() { owner.remove(id) }
    }

    private struct State {
        var nextID = 0
        var calls: [Int: (call: ChatCall, registration: Registration)] = [:]
        var interrupting = false
        /// The most calls in flight at once since ``takePeak()`` last asked.
        var peak = 0
    }

    private let state = Mutex(State())

    /// Creates an empty list.
    public init() {}

    /// How many calls are in flight.
    public var count: Int { state.withLock { $0.calls.count } }

    /// How many calls are in flight, and the most there were at once since the last time this
    /// was asked (which starts the next period at the current count).
    func takePeak() -> (now: Int, peak: Int) {
        state.withLock { state in
            let peak = state.peak
            state.peak = state.calls.count
            return (state.calls.count, peak)
        }
    }

    /// Adds a call. After `interruptAll`, a call that registers is stopped at once.
    func register(_ call: ChatCall) -> Registration {
        let (registration, stopNow) = state.withLock { state in
            state.nextID += 1
            let registration = Registration(id: state.nextID, owner: self)
            state.calls[state.nextID] = (call, registration)
            state.peak = max(state.peak, state.calls.count)
            return (registration, state.interrupting)
        }
        if stopNow {
            registration.stoppedByServer.store(true, ordering: .releasing)
            call.cancel()
        }
        return registration
    }

    private func remove(_ id: Int) {
        _ = state.withLock { $0.calls.removeValue(forKey: id) }
    }

    /// Stops every call in flight, and every call that registers from now on.
    /// - Returns: how many calls were stopped.
    @discardableResult
    public func interruptAll() -> Int {
        let calls = state.withLock { state in
            state.interrupting = true
            return Array(state.calls.values)
        }
        for (call, registration) in calls {
            registration.stoppedByServer.store(true, ordering: .releasing)
            call.cancel()
        }
        return calls.count
    }

    /// Waits until no call is in flight or `grace` has passed, whichever comes first.
    /// - Returns: whether every call ended within the grace period.
    public func waitUntilIdle(grace: Duration, clock: ContinuousClock = .init()) async -> Bool {
        let deadline = clock.now.advanced(by: grace)
        // A short poll: shutdown is rare, and this keeps the hot path free of waiter bookkeeping.
        while count > 0 {
            guard clock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20), tolerance: .milliseconds(5), clock: clock)
        }
        return true
    }
}
