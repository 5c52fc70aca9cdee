import CPatchbayPlugin
import Foundation
import PatchbayJSON

#if canImport(Glibc)
import Glibc
#endif

/// One event of a chat call, as a ``ChatEventSink`` made with a Swift handler receives it.
public enum ChatEvent: Sendable, Equatable {
    /// A piece of the reply: raw UTF-8 bytes.
    case delta([UInt8])
    /// Token usage.
    case usage(inputTokens: Int, outputTokens: Int)
    /// TERMINAL: the reply ended normally; `state` is the provider's handle on the conversation (ABI 1.2).
    case done(finishReason: String?, state: String? = nil)
    /// TERMINAL: the call failed.
    case error(ChatError)
    /// One input's vector, in an embedding call (ABI 1.3).
    case embedding([Float])
    /// How long the call has waited on its upstream so far (ABI 1.4 TIMING). Only a sink made
    /// with `reportsUpstreamTime: true` hands these on.
    case upstreamTime(Duration)

    /// True for `done` and `error`.
    public var isTerminal: Bool {
        switch self {
        case .done, .error: true
        case .delta, .usage, .embedding, .upstreamTime: false
        }
    }
}

/// Something that can stop a chat call's work: what ``ProviderPlugin/startChat(_:events:)``
/// returns. `cancel()` may be called from any thread, more than once, and must not block on the
/// network.
public protocol ChatCallHandle: Sendable {
    /// Stops the call's work. Idempotent.
    func cancel()
    /// Stops reading the upstream's reply until ``resume()``, because the host's queue for the
    /// call is full (ABI 1.1 `chat_pause`). Idempotent; never blocks. The default does nothing.
    func pause()
    /// Reads the upstream's reply again after ``pause()`` (`chat_resume`). Idempotent; never blocks.
    func resume()
}

extension ChatCallHandle {
    /// A call that cannot be paused ignores it; the host's bound still holds (it then stops the
    /// call if its client stays too far behind).
    public func pause() {}
    /// Nothing to resume.
    public func resume() {}
}

/// A handle for a call that has nothing left to stop (it ended inside `startChat`).
public struct CompletedChatCall: ChatCallHandle {
    /// Creates the handle.
    public init() {}
    /// Does nothing.
    public func cancel() {}
}

/// Where a chat call's events go. It enforces the ABI for the plugin:
///
/// - deltas (raw UTF-8 bytes) and usage, then exactly ONE terminal event (done or error), and
///   nothing after it — later calls are dropped and return false;
/// - never two events of one call at the same time: an emitter waits while another thread is
///   delivering;
/// - after the host cancels, no more deltas or usage go out and the terminal is ERROR
///   "CANCELLED" (the kit emits it itself at once when no event is in flight);
/// - `on_event`/`user_data` are never touched after the terminal event has been delivered.
///
/// Every method may be called from any thread.
public final class ChatEventSink: @unchecked Sendable {
    // @unchecked: every mutable member is guarded by `condition`.

    private enum Target {
        case abi(patchbay_event_fn, UnsafeMutableRawPointer?)
        case handler(@Sendable (ChatEvent) -> Void)
    }

    private enum Outgoing {
        case delta(UnsafeRawBufferPointer)
        case usage(Int, Int)
        case done(String?, state: String?)
        case error(ChatError)
        case embedding([Float])
        case upstreamTime(Duration)

        var isTerminal: Bool {
            switch self {
            case .done, .error: true
            case .delta, .usage, .embedding, .upstreamTime: false
            }
        }
    }

    private let target: Target
    private let condition = NSCondition()
    private var deliveringThread: pthread_t?
    private var terminalClaimed = false
    private var cancelRequested = false
    private var deltaDelivered = false
    private var anythingDelivered = false
    /// When the call's first upstream transfer began (see ``noteUpstreamStart(_:)``).
    private var upstreamStart: ContinuousClock.Instant?

    /// Whether ``upstreamTime(_:)`` reaches the host (or the handler): only a host of ABI minor 4
    /// or more knows the TIMING event.
    public let reportsUpstreamTime: Bool

    /// Creates a sink that hands each event to `handler` (for tests, or to wrap another sink).
    /// - Parameter reportsUpstreamTime: whether `.upstreamTime` events are handed on (a sink that
    ///   wraps another passes that sink's ``reportsUpstreamTime``).
    public init(reportsUpstreamTime: Bool = false, handler: @escaping @Sendable (ChatEvent) -> Void) {
        self.target = .handler(handler)
        self.reportsUpstreamTime = reportsUpstreamTime
    }

    /// Creates a sink that calls the host's `on_event` with `userData`, for a host of ABI minor `hostMinor`.
    init(onEvent: patchbay_event_fn, userData: UnsafeMutableRawPointer?, hostMinor: UInt16) {
        self.target = .abi(onEvent, userData)
        self.reportsUpstreamTime = hostMinor >= 4
    }

    // MARK: Emitting

    /// Emits a piece of the reply. Empty text is skipped. Returns false if the event was dropped
    /// (the call has ended or was cancelled).
    @discardableResult
    public func delta(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { delta(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Emits a piece of the reply given as UTF-8 bytes, borrowed for the call. Do not split a
    /// UTF-8 character across two deltas. Returns false if the event was dropped.
    @discardableResult
    public func delta(bytes: UnsafeRawBufferPointer) -> Bool {
        guard !bytes.isEmpty else { return !isFinished }
        return send(.delta(bytes))
    }

    /// Emits one input's vector in an embedding call (ABI 1.3): one per input, in input order, all
    /// of one dimension, before `done()`. It crosses the ABI as raw little-endian float32.
    @discardableResult
    public func embedding(_ vector: [Float]) -> Bool {
        send(.embedding(vector))
    }

    /// Tells the host how long the call has waited on its upstream so far (ABI 1.4 TIMING), just
    /// before the events that time accounts for, so that its overhead figure leaves it out. A
    /// plugin on ``UpstreamChatCall`` gets this for free. Dropped (false) for an older host.
    @discardableResult
    public func upstreamTime(_ waited: Duration) -> Bool {
        guard reportsUpstreamTime else { return false }
        return send(.upstreamTime(waited))
    }

    /// Notes that one of the call's upstream transfers began at `instant`: the earliest is where
    /// the call's upstream time starts (earlier failed attempts and back-off included).
    func noteUpstreamStart(_ instant: ContinuousClock.Instant) {
        condition.lock()
        upstreamStart = min(upstreamStart ?? instant, instant)
        condition.unlock()
    }

    /// Reports the time since the earliest noted upstream start (see ``upstreamTime(_:)``).
    func reportUpstreamTimeSoFar() {
        guard reportsUpstreamTime else { return }
        condition.lock()
        let start = upstreamStart
        condition.unlock()
        if let start { upstreamTime(start.duration(to: .now)) }
    }

    /// Emits token usage (the last one before the terminal event wins).
    @discardableResult
    public func usage(inputTokens: Int, outputTokens: Int) -> Bool {
        send(.usage(inputTokens, outputTokens))
    }

    /// TERMINAL: ends the call normally. `state` (ABI 1.2, for a plugin whose manifest declares
    /// ``PluginCapability/state``): the provider's handle on the conversation as it now stands,
    /// which the host passes back in the conversation's next request (at most 4096 bytes).
    @discardableResult
    public func done(finishReason: String? = nil, state: String? = nil) -> Bool {
        send(.done(finishReason, state: state))
    }

    /// TERMINAL: ends the call with an error.
    @discardableResult
    public func fail(_ error: ChatError) -> Bool {
        send(.error(error))
    }

    // MARK: State

    /// True once a delta has gone to the host: from then on the call must not be retried.
    public var hasEmittedDelta: Bool {
        condition.lock()
        defer { condition.unlock() }
        return deltaDelivered
    }

    /// True once the terminal event has been emitted (or claimed).
    public var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return terminalClaimed
    }

    /// True once the host has asked the call to stop.
    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelRequested
    }

    // MARK: Used by the kit's ABI glue

    /// Marks the call cancelled: from now on deltas and usage are dropped and the terminal
    /// becomes CANCELLED. Emits nothing.
    func markCancelled() {
        condition.lock()
        if !terminalClaimed { cancelRequested = true }
        condition.unlock()
    }

    /// Emits the CANCELLED terminal on this thread if the call was cancelled, has not ended, and
    /// no event is being delivered (a delivering thread ends the call itself when it returns).
    func endIfCancelled() {
        condition.lock()
        guard cancelRequested, !terminalClaimed, deliveringThread == nil else {
            condition.unlock()
            return
        }
        terminalClaimed = true
        deliveringThread = pthread_self()
        condition.unlock()
        deliver(.error(.cancelled))
        condition.lock()
        deliveringThread = nil
        condition.broadcast()
        condition.unlock()
    }

    /// Closes a sink that has delivered nothing, without an event (chat_start is about to
    /// refuse the call). Returns false if something was already delivered or is in flight.
    func closeIfSilent() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !anythingDelivered, deliveringThread == nil, !terminalClaimed else { return false }
        terminalClaimed = true
        return true
    }

    /// Stops all delivery for good (the host released the call).
    func detach() {
        condition.lock()
        terminalClaimed = true
        condition.unlock()
    }

    // MARK: Delivery

    private func send(_ event: Outgoing) -> Bool {
        let me = pthread_self()
        condition.lock()
        // A call from inside our own on_event (the host's chat_cancel reaching the plugin, which
        // emits): the call is cancelled, so drop it; the delivering frame ends the call.
        if let thread = deliveringThread, pthread_equal(thread, me) != 0 {
            condition.unlock()
            return false
        }
        while deliveringThread != nil && !terminalClaimed {
            condition.wait()
        }
        if terminalClaimed {
            condition.unlock()
            return false
        }
        var event = event
        if cancelRequested {
            guard event.isTerminal else {
                condition.unlock()
                return false
            }
            event = .error(.cancelled)
        }
        if event.isTerminal { terminalClaimed = true }
        if case .delta = event { deltaDelivered = true }
        anythingDelivered = true
        deliveringThread = me
        condition.unlock()

        deliver(event)

        condition.lock()
        // A cancel that arrived while a non-terminal event was out: end the call now.
        let endNow = cancelRequested && !terminalClaimed
        if endNow {
            terminalClaimed = true
        } else {
            deliveringThread = nil
            condition.broadcast()
        }
        condition.unlock()
        if endNow {
            deliver(.error(.cancelled))
            condition.lock()
            deliveringThread = nil
            condition.broadcast()
            condition.unlock()
        }
        return true
    }

    private func deliver(_ event: Outgoing) {
        switch target {
        case .handler(let handler):
            switch event {
            case .delta(let bytes): handler(.delta(Array(bytes)))
            case .usage(let input, let output): handler(.usage(inputTokens: input, outputTokens: output))
            case .done(let reason, let state): handler(.done(finishReason: reason, state: state))
            case .error(let error): handler(.error(error))
            case .embedding(let vector): handler(.embedding(vector))
            case .upstreamTime(let waited): handler(.upstreamTime(waited))
            }
        case .abi(let onEvent, let userData):
            switch event {
            case .delta(let bytes):
                Self.call(onEvent, userData, PATCHBAY_EVENT_DELTA, bytes)
            case .usage(let input, let output):
                Self.call(onEvent, userData, PATCHBAY_EVENT_USAGE, "{\"input_tokens\":\(input),\"output_tokens\":\(output)}")
            case .done(let reason, let state):
                Self.call(onEvent, userData, PATCHBAY_EVENT_DONE, Self.doneJSON(finishReason: reason, state: state))
            case .error(let error):
                Self.call(onEvent, userData, PATCHBAY_EVENT_ERROR, error.json)
            case .embedding(let vector):
                let bytes = Self.littleEndianBytes(vector)
                bytes.withUnsafeBytes { Self.call(onEvent, userData, PATCHBAY_EVENT_EMBEDDING, $0) }
            case .upstreamTime(let waited):
                let (seconds, attoseconds) = waited.components
                let microseconds = max(0, seconds &* 1_000_000 &+ attoseconds / 1_000_000_000_000)
                Self.call(onEvent, userData, PATCHBAY_EVENT_TIMING, "{\"upstream_us\":\(microseconds)}")
            }
        }
    }

    /// A vector as the EMBEDDING event carries it: packed IEEE-754 float32, little-endian.
    static func littleEndianBytes(_ vector: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// The DONE event's JSON: `{"finish_reason":…,"state":…}`, each member only when set.
    static func doneJSON(finishReason: String?, state: String?) -> String {
        let members = [finishReason.map { "\"finish_reason\":" + JSONText.string($0) }, state.map { "\"state\":" + JSONText.string($0) }]
        return "{" + members.compactMap { $0 }.joined(separator: ",") + "}"
    }

    private static func call(_ onEvent: patchbay_event_fn, _ userData: UnsafeMutableRawPointer?, _ kind: patchbay_event_kind, _ text: String) {
        var text = text
        text.withUTF8 { call(onEvent, userData, kind, UnsafeRawBufferPointer($0)) }
    }

    private static func call(_ onEvent: patchbay_event_fn, _ userData: UnsafeMutableRawPointer?, _ kind: patchbay_event_kind, _ bytes: UnsafeRawBufferPointer) {
        var event = patchbay_event(
            struct_size: UInt32(MemoryLayout<patchbay_event>.size),
            abi_major: UInt16(PATCHBAY_ABI_MAJOR),
            abi_minor: UInt16(PATCHBAY_ABI_MINOR),
            kind: kind,
            data: bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
            data_len: bytes.count)
        onEvent(userData, &event)
    }
}
