import Synchronization

/// How many streamed replies each caller has open, so one caller cannot hold every connection
/// (`server.max_streams_per_caller`).
final class OpenStreamCounter: Sendable {
    private let open = Mutex<[String: Int]>([:])

    /// Takes one of `caller`'s stream slots; nil when it has `limit` open already.
    /// - Parameter limit: the most streams one caller may have open at once; nil: no cap (streams are still counted).
    func take(for caller: String, limit: Int?) -> OpenStreamSlot? {
        let taken = open.withLock { open in
            let count = open[caller, default: 0]
            if let limit, count >= limit { return false }
            open[caller] = count + 1
            return true
        }
        return taken ? OpenStreamSlot(counter: self, caller: caller) : nil
    }

    /// How many streams `caller` has open.
    func count(for caller: String) -> Int {
        open.withLock { $0[caller, default: 0] }
    }

    fileprivate func give(for caller: String) {
        open.withLock { open in
            let count = open[caller, default: 0] - 1
            // Dropping empty entries keeps the table as small as the set of streaming callers.
            open[caller] = count > 0 ? count : nil
        }
    }
}

/// One open stream's slot; handing it back more than once has no further effect.
final class OpenStreamSlot: Sendable {
    private let counter: OpenStreamCounter
    private let caller: String
    private let released = Atomic(false)

    fileprivate init(counter: OpenStreamCounter, caller: String) {
        self.counter = counter
        self.caller = caller
    }

    /// Gives the slot back.
    func release() {
        if !released.exchange(true, ordering: .relaxed) { counter.give(for: caller) }
    }

    deinit { release() }
}
