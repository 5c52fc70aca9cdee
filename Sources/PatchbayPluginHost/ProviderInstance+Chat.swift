import CPatchbayPlugin
import Dispatch
import Foundation
import Logging
import PatchbayJSON
import Synchronization

extension ProviderInstance {
    /// Starts a chat call and returns its events.
    ///
    /// The stream ends after exactly one terminal event (`.done` or `.failed`). Cancelling the
    /// task that iterates the stream (a client that went away) cancels the plugin's call at once.
    /// - Parameters:
    ///   - requestJSON: the request, in the ABI's request schema (version 1).
    ///   - bufferBytes: the most delta text queued for a reader that falls behind (see ``StreamFlow``).
    public func startChat(requestJSON: String, bufferBytes: Int = ChatCall.defaultBufferBytes) throws(PluginCallError) -> PluginEventStream {
        try startCall(requestJSON: requestJSON, bufferBytes: bufferBytes).events
    }

    /// Starts a chat call for a typed request (see ``startCall(requestJSON:bufferBytes:)``).
    public func startCall(_ request: ChatCallRequest, bufferBytes: Int = ChatCall.defaultBufferBytes) throws(PluginCallError) -> ChatCall {
        try startCall(requestJSON: request.json, bufferBytes: bufferBytes)
    }

    /// Starts a chat call and returns its events with a way to stop it from outside the task that
    /// reads them (a server draining its streams at shutdown).
    /// - Parameters:
    ///   - requestJSON: the request, in the ABI's request schema (version 1).
    ///   - bufferBytes: the most delta text queued while the reader falls behind. Past it a plugin
    ///     with `chat_pause` is paused until the reader has taken half; another plugin's call is
    ///     cancelled and ends with ``PluginFailure/Code/streamBufferFull``.
    public func startCall(requestJSON: String, bufferBytes: Int = ChatCall.defaultBufferBytes) throws(PluginCallError) -> ChatCall {
        try startCall(requestJSON: requestJSON, bufferBytes: bufferBytes, kind: .chat)
    }

    /// Starts a chat call (`chat_start`) or an embedding call (`embed_start`, ABI 1.3): the same
    /// life, the same bridge. An embedding call is never paused (its flow cannot pause) and is
    /// started only for a plugin that ``LoadedPlugin/canEmbed``.
    func startCall(requestJSON: String, bufferBytes: Int, kind: ChatCallBridge.Kind) throws(PluginCallError) -> ChatCall {
        let start = switch kind {
        case .chat: plugin.descriptor.chat_start
        case .embedding: plugin.descriptor.embed_start
        }
        guard let start else { throw .startRefused(PATCHBAY_ERR_UNAVAILABLE, provider: provider) }
        let (events, continuation) = AsyncStream<PluginEvent>.makeStream()
        let flow = StreamFlow(limit: bufferBytes, canPause: kind == .chat && plugin.canPause)
        let bridge = ChatCallBridge(instance: self, continuation: continuation, flow: flow, kind: kind)
        continuation.onTermination = { termination in
            if case .cancelled = termination { bridge.cancel() }
        }
        // Balanced exactly once: in ChatCallBridge.releaseCall, or just below if start fails.
        let userData = Unmanaged.passRetained(bridge).toOpaque()
        var call: OpaquePointer? = nil
        var json = requestJSON
        let status = json.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                var request = patchbay_chat_request(
                    struct_size: UInt32(MemoryLayout<patchbay_chat_request>.size),
                    abi_major: UInt16(PATCHBAY_ABI_MAJOR),
                    abi_minor: UInt16(PATCHBAY_ABI_MINOR),
                    json: text.baseAddress,
                    json_len: text.count,
                    on_event: chatEventCallback,
                    user_data: userData
                )
                return start(handle, &request, &call)
            }
        }
        guard status == PATCHBAY_OK, let call else {
            Unmanaged<ChatCallBridge>.fromOpaque(userData).release()
            continuation.finish()
            throw .startRefused(status, provider: provider)
        }
        callStarted()
        bridge.startReturned(call: ChatCallBridge.CallHandle(pointer: call))
        return ChatCall(events: PluginEventStream(stream: events, bridge: bridge), bridge: bridge)
    }
}

/// A chat call in flight: its events, and `cancel`.
public struct ChatCall: Sendable {
    /// The bound on queued delta text when the caller names none: 1 MiB.
    public static let defaultBufferBytes = 1_048_576

    /// The call's events; the stream ends after exactly one terminal event.
    public let events: PluginEventStream
    fileprivate let bridge: ChatCallBridge

    /// What the call's queue has seen so far: how often the plugin was paused, the most text queued.
    public var flow: FlowReport { bridge.flowReport }

    /// Asks the plugin to stop; it answers with its terminal event (a `CANCELLED` error, unless
    /// the call had already ended). Safe at any time, from any thread, any number of times.
    public func cancel() { bridge.cancel() }

    /// How long the call has waited on its upstream so far, as the plugin last reported it in a
    /// TIMING event (ABI 1.4); nil from a plugin that never did.
    public var upstreamTime: Duration? { bridge.upstreamTime }
}

/// The ABI's `on_event`: [callback], any thread, never concurrently for one call.
private let chatEventCallback: patchbay_event_fn = { userData, event in
    guard let userData, let event else { return }
    Unmanaged<ChatCallBridge>.fromOpaque(userData).takeUnretainedValue().receive(event)
}
