/// How much reply text of one call waits between the plugin and the reader of its events, and
/// what to do about it: the host's side of backpressure.
///
/// Only delta text counts — usage and terminal events are small and few. Past `limit` bytes a
/// plugin that can pause is paused; it is resumed once the reader has drained the queue to
/// `resumeBelow` (half the limit), so that a reader keeping pace just under the limit does not
/// pause and resume the call on every delta. A plugin that cannot pause (ABI 1.0) has its call
/// cancelled instead, and so has one that keeps emitting far past the limit while paused.
struct StreamFlow: Sendable {
    /// What the bridge must do after queueing a delta.
    enum Action: Equatable {
        /// Queue the delta.
        case keep
        /// Queue the delta and pause the plugin.
        case pause
        /// Drop the delta and cancel the call: its reader fell too far behind.
        case stop
        /// Drop the delta: the call was already stopped for that.
        case drop
    }

    /// The bound, in bytes of delta text.
    let limit: Int
    /// Whether the plugin has `chat_pause`/`chat_resume`.
    let canPause: Bool
    /// Bytes queued and not yet read.
    private(set) var queued = 0
    /// The most bytes ever queued at once, for tests and logs.
    private(set) var mostQueued = 0
    /// Whether the host wants the plugin paused now.
    private(set) var wantsPause = false
    /// Whether the call was stopped because its reader fell too far behind.
    private(set) var overflowed = false
    /// How many times the call was paused.
    private(set) var pauses = 0

    /// The queue length at which a paused call is resumed.
    var resumeBelow: Int { limit / 2 }
    /// What a paused plugin may still deliver before it is stopped as one that ignores pause:
    /// the bound again, plus what one upstream read can hold in hand when the pause lands.
    var hardLimit: Int { 2 * limit + 65_536 }

    init(limit: Int, canPause: Bool) {
        self.limit = max(1, limit)
        self.canPause = canPause
    }

    /// Counts a delta about to be queued.
    mutating func enqueue(_ bytes: Int) -> Action {
        if overflowed { return .drop }
        let after = queued + bytes
        if after > limit && (!canPause || after > hardLimit) {
            overflowed = true
            return .stop
        }
        queued = after
        mostQueued = max(mostQueued, queued)
        guard after > limit, canPause, !wantsPause else { return .keep }
        wantsPause = true
        pauses += 1
        return .pause
    }

    /// Counts a delta the reader has taken.
    /// - Returns: whether the call should be resumed now.
    mutating func dequeue(_ bytes: Int) -> Bool {
        queued = max(0, queued - bytes)
        guard wantsPause, queued <= resumeBelow else { return false }
        wantsPause = false
        return true
    }
}
