import PatchbayPluginHost
import PatchbayStorage
import Synchronization

/// What a reply amounted to, gathered while it streams and read once it has ended — after the
/// door's (possibly cancelled) streaming scope.
final class ReplyRecord: Sendable {
    private struct State {
        var text = ""
        var deltas: [String] = []
        var usage: TokenUsage?
        var finished = false
        var finishReason: String?
        var providerState: String?
        var errorCode: TurnError.Code?
        var failure: PluginFailure?
        var firstTextAt: ContinuousClock.Instant?
        var firstEventAt: ContinuousClock.Instant?
        /// The upstream time the plugin had reported when the first event arrived (ABI 1.4).
        var upstreamAtFirstEvent: Duration?
    }

    private let state = Mutex(State())
    /// When the provider call started.
    let startedAt = ContinuousClock.now
    /// Whether the reply's text is kept: only a stored turn and a collected (non-streamed) one
    /// read it. A stateless stream keeps none, so a client that reads slowly costs the server
    /// its bounded queue (`server.stream_buffer_bytes`), not the reply so far.
    private let keepsText: Bool
    /// Whether the deltas are kept as they came (a reply the cache will keep).
    private let keepsDeltas: Bool

    init(keepsText: Bool, keepsDeltas: Bool = false) {
        self.keepsText = keepsText || keepsDeltas
        self.keepsDeltas = keepsDeltas
    }

    func observe(_ event: PluginEvent) {
        state.withLock { state in
            switch event {
            case .delta(let text):
                if state.firstTextAt == nil { state.firstTextAt = .now }
                if keepsText { state.text += text }
                if keepsDeltas { state.deltas.append(text) }
            case .usage(let usage): state.usage = usage
            case .done(let finishReason, let providerState):
                state.finished = true
                state.finishReason = finishReason
                state.providerState = providerState
            case .failed(let failure): state.failure = failure
            case .embedding: break  // not part of a chat reply (see ChatTurn.next)
            }
        }
    }

    func fail(_ code: TurnError.Code) { state.withLock { $0.errorCode = code } }

    /// Notes that the call's first event (past usage reports) has arrived, and returns how much
    /// of the wait for it was the provider's: what the plugin reported waiting on its upstream
    /// (ABI 1.4), or, from a plugin that does not say, all of it.
    func firstEventArrived(reportedUpstream: Duration?) -> Duration {
        let now = ContinuousClock.now
        state.withLock {
            $0.firstEventAt = now
            $0.upstreamAtFirstEvent = reportedUpstream
        }
        return reportedUpstream ?? startedAt.duration(to: now)
    }

    /// The provider's share of the time since the first event (a collected reply's streaming):
    /// what the plugin's reports grew by since then, or, from a plugin that does not report, all of it.
    func providerTimeSinceFirstEvent(reportedUpstream: Duration?) -> Duration {
        let (firstEventAt, atFirst) = state.withLock { ($0.firstEventAt ?? startedAt, $0.upstreamAtFirstEvent) }
        if let atFirst, let reportedUpstream { return max(.zero, reportedUpstream - atFirst) }
        return firstEventAt.duration(to: .now)
    }

    var text: String { state.withLock { $0.text } }
    /// How long the first text took to arrive, if any did.
    var timeToFirstText: Duration? { state.withLock { $0.firstTextAt.map { startedAt.duration(to: $0) } } }
    var usage: TokenUsage? { state.withLock { $0.usage } }
    /// The deltas as they came, when kept for the cache.
    var deltas: [String] { state.withLock { $0.deltas } }
    /// Why the reply ended, as its DONE said.
    var finishReason: String? { state.withLock { $0.finishReason } }
    /// The provider-side state the call's DONE carried (ABI 1.2), if any.
    var providerState: String? { state.withLock { $0.providerState } }
    /// What the call's end says for routing.
    var verdict: CallVerdict { state.withLock { CallVerdict(failure: $0.failure, finished: $0.finished) } }

    /// complete, error (with its code), or — neither done nor failed — cancelled.
    var outcome: (status: MessageStatus, errorCode: String?) {
        state.withLock { state in
            if let code = state.errorCode { return (.error, code.description) }
            return state.finished ? (.complete, nil) : (.cancelled, nil)
        }
    }
}

/// The end of one provider call, however it ends: taken off the server's list of calls in flight,
/// counted in the metrics, and told to the routing (the key's standing, the target's breaker),
/// exactly once.
final class CallEnding: Sendable {
    private let registration: ActiveCalls.Registration
    private let record: ReplyRecord
    private let metrics: PatchbayMetrics
    private let metadata: TurnMetadata
    private let attempt: RouteAttempt
    private let routing: RoutingHealth
    private let ended = Atomic(false)

    init(registration: ActiveCalls.Registration, record: ReplyRecord, metrics: PatchbayMetrics, metadata: TurnMetadata,
         attempt: RouteAttempt, routing: RoutingHealth) {
        self.registration = registration
        self.record = record
        self.metrics = metrics
        self.metadata = metadata
        self.attempt = attempt
        self.routing = routing
    }

    deinit {
        // A response dropped before its body ran (its connection failed first) still leaves the list.
        if !ended.load(ordering: .acquiring) {
            registration.end()
            routing.callEnded(attempt.target, key: attempt.key, probe: attempt.probe, verdict: .inconclusive)
        }
    }

    /// Whether the server stopped the call (a shutdown past its grace period).
    var wasInterrupted: Bool { registration.wasInterrupted }

    /// Records the end; later calls do nothing.
    func callEnded() {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        registration.end()
        routing.callEnded(attempt.target, key: attempt.key, probe: attempt.probe, verdict: record.verdict)
        let outcome = record.outcome
        metrics.providerCallEnded(provider: metadata.provider, model: metadata.model, outcome: outcome.errorCode ?? outcome.status.rawValue,
                                  duration: record.startedAt.duration(to: .now), timeToFirstToken: record.timeToFirstText)
        if let usage = record.usage {
            metrics.tokensUsed(assistant: metadata.assistant, provider: metadata.provider, model: metadata.model,
                               input: usage.inputTokens, output: usage.outputTokens)
        }
    }
}

/// The plugin's event stream, read by one task at a time: the turn's start (for the first
/// event), then the door that streams it.
///
/// One iterator for the whole call: dropping an AsyncStream iterator cancels its stream, which
/// is what we want when the response is abandoned, and must not happen in between.
final class PluginEventReader: @unchecked Sendable {
    // @unchecked: used by one task at a time — the turn's start, then the door.
    private var iterator: PluginEventStream.AsyncIterator?
    /// The events of a cached reply, replayed instead of a plugin's.
    private var replayed: IndexingIterator<[PluginEvent]>?
    private var peeked: PluginEvent??
    private let stream: PluginEventStream?

    init(_ events: PluginEventStream) {
        self.iterator = events.makeAsyncIterator()
        self.stream = events
    }

    /// How long the provider call has waited on its upstream, as its plugin last reported it
    /// (ABI 1.4 TIMING); nil for a cached reply or a plugin that does not report it.
    var upstreamTime: Duration? { stream?.upstreamTime }

    /// A reader of events already known (a cached reply).
    init(replaying events: [PluginEvent]) {
        self.replayed = events.makeIterator()
        self.stream = nil
    }

    /// The next event, the peeked one first; nil once the stream has ended.
    func next() async -> PluginEvent? {
        if let peeked {
            self.peeked = nil
            return peeked
        }
        if replayed != nil { return replayed!.next() }
        return await iterator?.next(isolation: nil)
    }

    /// The next event that is not a usage report, left in place for `next`; usage reports before
    /// it are handed to `usage`.
    func peekPastUsage(_ usage: (PluginEvent) -> Void) async -> PluginEvent? {
        var event = await next()
        while case .usage = event {
            usage(event!)
            event = await next()
        }
        peeked = .some(event)
        return event
    }
}
