import Synchronization

/// How many requests the public listener is handling — from the request to its response, not
/// the streaming of a response's body — and the most at once since last asked, so that
/// ``HeapTrimmer`` can hand back what a burst of them took once they are all answered.
public final class RequestsInHandling: Sendable {
    private let state = Mutex((now: 0, peak: 0))

    /// Creates a count at zero.
    public init() {}

    /// Counts `operation` as one request in handling while it runs.
    func counting<T>(_ operation: () async throws -> T) async rethrows -> T {
        state.withLock { state in
            state.now += 1
            state.peak = max(state.peak, state.now)
        }
        defer { state.withLock { $0.now -= 1 } }
        return try await operation()
    }

    /// How many requests are in handling, and the most there were at once since the last time
    /// this was asked (which starts the next period at the current count).
    func takePeak() -> (now: Int, peak: Int) {
        state.withLock { state in
            let peak = state.peak
            state.peak = state.now
            return (state.now, peak)
        }
    }
}
