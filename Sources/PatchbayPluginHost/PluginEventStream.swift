/// A chat call's events, as an `AsyncSequence` that tells the call's bridge what its reader has
/// taken — the other half of ``StreamFlow``: the bridge counts what the plugin queues, this
/// counts what the reader dequeues, and the difference is what a slow reader costs in memory.
///
/// Iterate it from one task at a time. Like an `AsyncStream`, dropping the iterator, or
/// cancelling the task that waits in `next()`, cancels the plugin's call.
public struct PluginEventStream: AsyncSequence, Sendable {
    public typealias Element = PluginEvent
    public typealias Failure = Never

    private let stream: AsyncStream<PluginEvent>
    private let bridge: ChatCallBridge

    init(stream: AsyncStream<PluginEvent>, bridge: ChatCallBridge) {
        self.stream = stream
        self.bridge = bridge
    }

    /// How long the call has waited on its upstream so far, as its plugin last reported it
    /// (ABI 1.4 TIMING); nil from a plugin that never did.
    public var upstreamTime: Duration? { bridge.upstreamTime }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), bridge: bridge)
    }

    /// Reads the events and reports each delta's size to the bridge once it has been taken.
    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = PluginEvent
        public typealias Failure = Never

        var base: AsyncStream<PluginEvent>.Iterator
        let bridge: ChatCallBridge

        public mutating func next() async -> PluginEvent? {
            taken(await base.next())
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> PluginEvent? {
            taken(await base.next(isolation: actor))
        }

        private func taken(_ event: PluginEvent?) -> PluginEvent? {
            if case .delta(let text) = event { bridge.dequeued(text.utf8.count) }
            return event
        }
    }
}
