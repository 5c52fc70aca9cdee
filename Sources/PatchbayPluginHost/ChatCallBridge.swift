import CPatchbayPlugin
import Dispatch
import Foundation
import Logging
import PatchbayJSON
import Synchronization

/// One call in flight: turns the plugin's events into an `AsyncStream` and keeps the ABI's
/// promises on the host side — release exactly once, after the terminal event *and* the return
/// of `chat_start`, never from inside `on_event`, never while a `chat_cancel` is running.
final class ChatCallBridge: Sendable {
    /// The plugin's call handle; the ABI lets any thread use it until it is released.
    struct CallHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Which start function began the call: it decides which event kinds are expected.
    enum Kind: Sendable { case chat, embedding }

    private struct State {
        var call: CallHandle?
        var startReturned = false
        var terminal = false
        var released = false
        var cancelRequested = false
        /// Cancels, pauses and resumes running in the plugin: the call is not released under them.
        var pluginCallsRunning = 0
        /// The tail of a UTF-8 character split across two deltas.
        var pendingUTF8: [UInt8] = []
        var flow: StreamFlow
        /// Whether the plugin was last told to pause (it starts unpaused).
        var pluginPaused = false
        /// Whether a pause or resume is running: they go to the plugin one at a time.
        var pausing = false

        /// Whether the call may be released now; marks it released if so.
        mutating func claimRelease() -> Bool {
            guard startReturned, terminal, pluginCallsRunning == 0, !released else { return false }
            released = true
            return true
        }

        /// Claims the next pause or resume to send, if the plugin is not where the flow wants it
        /// and nobody else is sending one. Never after the terminal event: the ABI forbids it.
        mutating func claimPauseStep() -> (CallHandle, pause: Bool)? {
            guard !pausing, startReturned, !terminal, !released, let call, flow.wantsPause != pluginPaused else { return nil }
            pausing = true
            pluginCallsRunning += 1
            return (call, flow.wantsPause)
        }
    }

    private let instance: ProviderInstance
    private let continuation: AsyncStream<PluginEvent>.Continuation
    private let state: Mutex<State>
    /// The plugin's last TIMING (ABI 1.4), in microseconds; -1 before any.
    private let reportedUpstreamMicroseconds = Atomic<Int>(-1)

    /// How long the call has waited on its upstream, as the plugin last said (ABI 1.4); nil if it never did.
    var upstreamTime: Duration? {
        let microseconds = reportedUpstreamMicroseconds.load(ordering: .relaxed)
        return microseconds < 0 ? nil : .microseconds(microseconds)
    }
    private let kind: Kind

    init(instance: ProviderInstance, continuation: AsyncStream<PluginEvent>.Continuation, flow: StreamFlow, kind: Kind = .chat) {
        self.instance = instance
        self.continuation = continuation
        self.state = Mutex(State(flow: flow))
        self.kind = kind
    }

    private var descriptor: patchbay_plugin_descriptor { instance.plugin.descriptor }
    private var logger: Logger { instance.services.logger }

    func startReturned(call: CallHandle) {
        let (cancelNow, releaseNow) = state.withLock { state in
            state.call = call
            state.startReturned = true
            if state.cancelRequested && !state.terminal {
                state.pluginCallsRunning += 1
                return (true, false)
            }
            return (false, state.claimRelease())
        }
        if cancelNow { runCancel(call) }
        if releaseNow { releaseCall() }
        // The queue may have filled while chat_start was still emitting: pause now that we can.
        settlePause()
    }

    /// Asks the plugin to stop. Safe at any time, any number of times.
    func cancel() {
        let call: CallHandle? = state.withLock { state in
            guard state.startReturned else {
                state.cancelRequested = true
                return nil
            }
            guard !state.terminal, !state.released, let call = state.call else { return nil }
            state.pluginCallsRunning += 1
            return call
        }
        if let call { runCancel(call) }
    }

    private func runCancel(_ call: CallHandle) {
        descriptor.chat_cancel(call.pointer)
        let releaseNow = state.withLock { state in
            state.pluginCallsRunning -= 1
            return state.claimRelease()
        }
        if releaseNow { releaseCall() }
    }

    func receive(_ pointer: UnsafePointer<patchbay_event>) {
        // Read struct_size alone first: a plugin's event may be smaller than this host's struct.
        let size = UnsafeRawPointer(pointer).load(as: UInt32.self)
        guard size >= MemoryLayout<patchbay_event>.size else {
            logger.error("plugin sent an event of \(size) bytes; ABI 1.0 events are \(MemoryLayout<patchbay_event>.size)")
            return
        }
        let event = pointer.pointee
        let bytes = UnsafeRawBufferPointer(start: event.data, count: event.data.map { _ in event.data_len } ?? 0)
        switch event.kind {
        case PATCHBAY_EVENT_DELTA where kind == .embedding:
            logger.debug("ignoring a DELTA event in an embedding call")
        case PATCHBAY_EVENT_DELTA:
            receiveDelta(bytes)
        case PATCHBAY_EVENT_EMBEDDING:
            receiveEmbedding(bytes)
        case PATCHBAY_EVENT_USAGE:
            guard let usage = TokenUsage(eventJSON: bytes) else {
                logger.warning("plugin sent a usage event that is not {input_tokens, output_tokens}")
                return
            }
            if !state.withLock({ $0.terminal }) { continuation.yield(.usage(usage)) }
        case PATCHBAY_EVENT_DONE:
            let done = try? JSONValue.parse(bytes)
            finish(with: .done(finishReason: done?["finish_reason"]?.string, state: acceptedState(done?["state"]?.string)))
        case PATCHBAY_EVENT_TIMING where kind == .chat:
            // Not a reply event: kept aside, and stored before the events it accounts for are
            // queued, so their reader sees it (the queue's lock orders the two).
            if let microseconds = (try? JSONValue.parse(bytes))?["upstream_us"]?.int, microseconds >= 0 {
                reportedUpstreamMicroseconds.store(microseconds, ordering: .relaxed)
            }
        case PATCHBAY_EVENT_TIMING:
            break  // an embedding's time is not part of a turn's overhead
        case PATCHBAY_EVENT_ERROR:
            let failure = PluginFailure(eventJSON: bytes)
                ?? PluginFailure(code: .internalError, message: "the plugin sent an unreadable error event")
            finish(with: .failed(failure))
        default:
            logger.debug("ignoring plugin event of unknown kind \(event.kind)")
        }
    }

    /// Queues one vector of an embedding call (ABI 1.3): raw little-endian float32. A length that
    /// is zero or not a multiple of 4 is queued as an empty vector, which the embedding's reader
    /// refuses as malformed; the exact size goes to the log here.
    private func receiveEmbedding(_ bytes: UnsafeRawBufferPointer) {
        guard kind == .embedding else {
            logger.warning("ignoring an EMBEDDING event in a chat call")
            return
        }
        guard !state.withLock({ $0.terminal }) else { return }
        guard !bytes.isEmpty, bytes.count % 4 == 0 else {
            logger.error("plugin sent an EMBEDDING event of \(bytes.count) bytes, not a positive multiple of 4")
            continuation.yield(.embedding([]))
            return
        }
        let vector = (0..<bytes.count / 4).map { index in
            Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        }
        continuation.yield(.embedding(vector))
    }

    /// The DONE's `state` (ABI 1.2), if the plugin declared the capability and it is not too long.
    private func acceptedState(_ state: String?) -> String? {
        guard let state else { return nil }
        guard instance.plugin.keepsState else {
            logger.debug("ignoring the state of a plugin that does not declare the \"state\" capability")
            return nil
        }
        guard state.utf8.count <= LoadedPlugin.stateMaximumBytes else {
            logger.warning("plugin sent a state of \(state.utf8.count) bytes; the most kept is \(LoadedPlugin.stateMaximumBytes): none kept")
            return nil
        }
        return state
    }

    private func finish(with event: PluginEvent) {
        let outcome: (first: Bool, release: Bool, overflowed: Bool) = state.withLock { state in
            guard !state.terminal else { return (false, false, false) }
            state.terminal = true
            return (true, state.claimRelease(), state.flow.overflowed)
        }
        var event = event
        // The call was stopped for a reader too slow, and text was dropped: say that — not
        // "cancelled", and not "done" either when the plugin finished before the cancel reached
        // it (the ABI allows it), since the reader did not get the whole reply.
        if outcome.overflowed {
            event = .failed(PluginFailure(code: .streamBufferFull, message: "the client is reading too slowly"))
        }
        guard outcome.first else {
            logger.error("plugin sent a second terminal event; ignored (ABI: exactly one)")
            return
        }
        continuation.yield(event)
        continuation.finish()
        // Never release from inside on_event: the plugin may still use the call on its way out.
        if outcome.release {
            DispatchQueue.global().async { self.releaseCall() }
        }
    }

    // MARK: flow control

    /// Queues a delta, or drops it and stops the call when its reader has fallen too far behind.
    private func receiveDelta(_ bytes: UnsafeRawBufferPointer) {
        let (text, action): (String?, StreamFlow.Action) = state.withLock { state in
            guard !state.terminal else { return (nil, .keep) }
            let text = Self.decodeDelta(bytes, pending: &state.pendingUTF8)
            guard !text.isEmpty else { return (nil, .keep) }
            let action = state.flow.enqueue(text.utf8.count)
            return (action == .stop || action == .drop ? nil : text, action)
        }
        if let text { continuation.yield(.delta(text)) }
        switch action {
        case .keep, .drop: break
        case .pause: settlePause()
        case .stop:
            logger.warning("stopping a call whose client reads too slowly", metadata: [
                "stream.buffer_bytes": .stringConvertible(state.withLock { $0.flow.limit }),
                "plugin.can_pause": .stringConvertible(instance.plugin.canPause),
            ])
            cancel()
        }
    }

    /// Called by the events' iterator for each delta its reader has taken.
    func dequeued(_ bytes: Int) {
        if state.withLock({ $0.flow.dequeue(bytes) }) { settlePause() }
    }

    /// Brings the plugin to the pause state the flow wants, one call at a time: a pause and a
    /// resume sent from two threads at once could reach the plugin in the wrong order and leave
    /// it paused for good. Whoever finds nothing in flight sends, until the states agree.
    private func settlePause() {
        var step = state.withLock { $0.claimPauseStep() }
        guard step != nil else { return }
        while let (call, pause) = step {
            if pause { descriptor.chat_pause?(call.pointer) } else { descriptor.chat_resume?(call.pointer) }
            step = state.withLock { state in
                state.pluginPaused = pause
                state.pausing = false
                state.pluginCallsRunning -= 1
                return state.claimPauseStep()
            }
        }
        // The terminal event may have come meanwhile and left the release to us. This may run
        // inside on_event, where the ABI forbids releasing: release from elsewhere.
        if state.withLock({ $0.claimRelease() }) {
            DispatchQueue.global().async { self.releaseCall() }
        }
    }

    /// What the call's queue has seen so far.
    var flowReport: FlowReport {
        state.withLock { FlowReport(pauses: $0.flow.pauses, mostQueuedBytes: $0.flow.mostQueued, paused: $0.flow.wantsPause) }
    }

    /// Called once, by whoever claimed the release; `state.call` is set by then.
    private func releaseCall() {
        guard let call = state.withLock({ $0.call }) else { return }
        descriptor.chat_release(call.pointer)
        instance.callReleased()
        // Balances the passRetained of startChat; the instance may be destroyed after this.
        Unmanaged.passUnretained(self).release()
    }

    /// Decodes the complete UTF-8 prefix of `pending + bytes`, keeping an incomplete last
    /// character for the next delta. Invalid bytes become U+FFFD.
    static func decodeDelta(_ bytes: UnsafeRawBufferPointer, pending: inout [UInt8]) -> String {
        if pending.isEmpty, completeLength(bytes) == bytes.count {
            return String(decoding: bytes, as: UTF8.self)   // the common case: no copy into pending
        }
        pending.append(contentsOf: bytes)
        let complete = pending.withUnsafeBytes { completeLength($0) }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// The length of `bytes` without a trailing, incomplete UTF-8 sequence.
    private static func completeLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        let count = bytes.count
        var index = count - 1
        var continuation = 0
        while index >= 0, continuation < 3, bytes[index] & 0xC0 == 0x80 {
            index -= 1
            continuation += 1
        }
        guard index >= 0 else { return count }
        let lead = bytes[index]
        let needed = lead < 0x80 ? 0 : lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
        return continuation < needed ? index : count
    }
}

/// What a call's queue has seen: for tests, logs and metrics.
public struct FlowReport: Sendable, Equatable {
    /// How many times the plugin was paused.
    public var pauses: Int
    /// The most delta text that was queued at once, in bytes.
    public var mostQueuedBytes: Int
    /// Whether the host holds the call paused: its reader has not yet drained the queue to half
    /// the bound since it was last passed. (The plugin is told so at once.)
    public var paused: Bool
}
