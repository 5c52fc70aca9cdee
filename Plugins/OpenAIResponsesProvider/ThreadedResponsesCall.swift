import PatchbayPluginKit
import Synchronization

/// A Responses call that continues the conversation from the host's state (`previous_response_id`),
/// and falls back to the whole conversation, once, when OpenAI refuses that id (expired, deleted,
/// made with another key or project: a 400 or 404 before any text). The fallback's response id
/// is then the new state. Pause, resume and cancel reach whichever upstream call is running.
final class ThreadedResponsesCall: ChatCallHandle {
    private struct State {
        var current: (any ChatCallHandle)?
        var paused = false
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Starts the call: a plain one without state, a threaded one with it.
    static func start(
        _ request: ChatCallRequest, format: ResponsesWireFormat, transport: HTTPTransport, events: ChatEventSink, log: HostLog
    ) throws -> any ChatCallHandle {
        let secrets = [format.upstream.apiKey]
        @Sendable func upstream(_ request: ChatCallRequest, _ events: ChatEventSink) throws -> any ChatCallHandle {
            try UpstreamChatCall.start(request, format: format, transport: transport, policy: format.upstream.retryPolicy,
                                       events: events, log: log, secrets: secrets)
        }
        guard let previous = format.previousResponseID(of: request) else { return try upstream(request, events) }

        let call = ThreadedResponsesCall()
        let threaded = ChatEventSink { event in
            if case .error(let error) = event, Self.refusesThread(error), !events.isCancelled {
                log.info("openai-responses: OpenAI refused previous_response_id \(previous) (\(error.upstreamStatus ?? 0)); sending the whole conversation")
                var whole = request
                whole.state = nil
                do {
                    call.replace(with: try upstream(whole, events))
                } catch {
                    events.fail(ChatError(code: .internalError, message: "could not send the whole conversation: \(error)"))
                }
                return
            }
            Self.forward(event, to: events)
        }
        call.replace(with: try upstream(request, threaded))
        return call
    }

    /// Whether an error is OpenAI refusing the request as made, which the whole conversation
    /// without `previous_response_id` may cure. An HTTP status comes before any text, so nothing
    /// has reached the client yet.
    static func refusesThread(_ error: ChatError) -> Bool {
        error.code == .providerError && [400, 404].contains(error.upstreamStatus ?? 0)
    }

    private static func forward(_ event: ChatEvent, to events: ChatEventSink) {
        switch event {
        case .delta(let bytes): bytes.withUnsafeBytes { _ = events.delta(bytes: $0) }
        case .usage(let input, let output): events.usage(inputTokens: input, outputTokens: output)
        case .done(let reason, let state): events.done(finishReason: reason, state: state)
        case .error(let error): events.fail(error)
        case .embedding(let vector): events.embedding(vector)
        case .upstreamTime(let waited): events.upstreamTime(waited)
        }
    }

    // The handle's calls run under the lock (none blocks), so a pause, resume or cancel and a
    // replacement never cross: the running call always ends up where the host last asked.

    /// Makes `call` the running one, bringing it to where the host wants it: paused, or stopped.
    private func replace(with call: any ChatCallHandle) {
        state.withLock { state in
            state.current = call
            if state.cancelled { call.cancel() } else if state.paused { call.pause() }
        }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            state.current?.cancel()
        }
    }

    func pause() {
        state.withLock { state in
            state.paused = true
            state.current?.pause()
        }
    }

    func resume() {
        state.withLock { state in
            state.paused = false
            state.current?.resume()
        }
    }
}
