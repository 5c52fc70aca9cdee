import Foundation
import Hummingbird
import Logging
import NIOCore
import PatchbayConfig
import PatchbayPluginHost
import PatchbayStorage
import Synchronization

/// `POST /api/chat`: one chat turn, streamed as Server-Sent Events or answered as one JSON body.
struct ChatController: Sendable {
    let gateway: Gateway
    /// The largest body accepted (413 beyond).
    let maxBodyBytes: Int
    /// Message length and count limits.
    let inputLimits: ChatInputLimits
    /// Request and token budgets, and the per-caller stream cap.
    let limiter: RateLimiter

    func addRoutes(to router: Router<PatchbayRequestContext>) {
        router.post("/api/chat", use: chat)
    }

    @Sendable func chat(request: Request, context: PatchbayRequestContext) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.payloadTooLarge, "The request body is larger than \(maxBodyBytes) bytes.")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.payloadTooLarge, "The request body is larger than \(maxBodyBytes) bytes.")
        }
        let chat = try ChatRequest.decode(body, limits: inputLimits)

        // One snapshot of the routing for the whole request.
        let routes = gateway.routes
        guard let route = routes.assistant(chat.assistantType) else {
            let known = routes.assistants.map(\.assistant.id).joined(separator: ", ")
            throw APIError(.notFound, "Unknown assistant '\(chat.assistantType)'. Available assistants: \(known).", field: "assistantType")
        }
        if let key = context.apiKey, let allowed = key.assistants, !allowed.contains(route.assistant.id) {
            throw APIError(.forbidden, "This API key may not use the assistant '\(route.assistant.id)'.", field: "assistantType")
        }
        var logger = context.logger
        logger[metadataKey: "assistant"] = .string(route.assistant.id)
        logger[metadataKey: "provider"] = .string(route.provider.name)
        let requestLog = context.requestLog
        requestLog.set("assistant", .string(route.assistant.id))
        requestLog.set("provider", .string(route.provider.name))
        requestLog.set("model", .string(route.assistant.model))
        guard let instance = route.provider.instance else {
            logger.warning("assistant unavailable: \(route.provider.unavailableReason ?? "provider not configured")")
            throw APIError(.providerUnavailable, "The assistant '\(route.assistant.id)' is not available right now.")
        }

        // Limits are applied only to a turn that can be served. The stream slot is taken first,
        // so a turn refused for want of one is not counted against the request budget.
        let caller = context.caller
        let slot: OpenStreamSlot?
        if chat.stream {
            guard let taken = limiter.streams.take(for: caller.key) else {
                gateway.metrics.rateLimitRefused(limit: "streams")
                logger.notice("refused: \(limiter.streams.limit ?? 0) streams already open for this caller")
                var error = APIError(.rateLimited, "Too many replies are streaming at once. Please wait for one to finish.")
                error.headers[.retryAfter] = "1"
                throw error
            }
            slot = taken
        } else {
            slot = nil
        }
        let checks = limiter.checks(caller: caller.key, global: routes.configuration.limits, key: context.apiKey, assistant: route.assistant)
        let decision = await limiter.acquire(checks, logger: logger)
        caller.decision = decision
        if !decision.allowed {
            let window = decision.binding?.name ?? "unknown"
            gateway.metrics.rateLimitRefused(limit: window)
            logger.notice("rate limited", metadata: ["rate_limit.window": .string(window)])
            let wait = decision.retryAfterSeconds.map { " Please try again in \($0) seconds." } ?? ""
            throw APIError(.rateLimited, "Too many requests.\(wait)")
        }

        // The user's message is committed before the provider is called.
        var turn: ConversationTurn? = nil
        if chat.isConversational, let store = gateway.store {
            do {
                turn = try await ConversationTurn.begin(store: store, chat: chat, assistant: route.assistant, provider: route.provider.name)
            } catch {
                logger.error("conversation storage failed: \(error)")
                throw APIError(.internalError, "Something went wrong while saving the conversation. Please try again.")
            }
        }
        if let id = turn?.conversationID { requestLog.set("conversation.id", .string(id)) }
        var reply = ChatReply(requestID: context.requestID, assistantType: route.assistant.id,
                              provider: route.provider.name, model: route.assistant.model,
                              conversationID: turn?.conversationID, contextWasReset: turn?.contextWasReset ?? false)
        let record = ReplyRecord()

        let call: ChatCall
        do {
            let requestJSON = Self.pluginRequestJSON(chat, messages: turn?.context ?? chat.messages, assistant: route.assistant, requestID: context.requestID)
            call = try instance.startCall(requestJSON: requestJSON)
        } catch {
            logger.error("plugin refused to start the call: \(error.message)")
            await turn?.recordReply("", status: .error, errorCode: APIError.Code.internalError.rawValue, usage: nil, logger: logger)
            throw APIError(.internalError, "Something went wrong while answering. Please try again.")
        }
        // Listed until it ends, so a shutting-down server can wait for it, then stop it.
        let ending = CallEnding(registration: gateway.activeCalls.register(call), record: record, metrics: gateway.metrics,
                                assistant: route.assistant.id, provider: route.provider.name, model: route.assistant.model)
        let iterator = EventIterator(call.events.makeAsyncIterator())

        // Wait for the first event before choosing the status: a call that fails before any text
        // gets a real HTTP error, not a 200 stream holding an error.
        var first = await iterator.next()
        while case .usage(let usage) = first {
            reply.usage = usage
            record.observe(.usage(usage))
            first = await iterator.next()
        }
        if case .failed(let failure) = first {
            let error = Self.clientError(for: failure, interrupted: ending.wasInterrupted, logger: logger)
            record.fail(error.code)
            ending.callEnded()
            await turn?.recordReply("", status: .error, errorCode: error.code.rawValue, usage: reply.usage, logger: logger)
            await limiter.record(reply.usage, under: checks, logger: logger)
            throw error
        }

        var headers: HTTPFields = [:]
        if let id = turn?.conversationID { headers[.xConversationID] = id }
        guard chat.stream else {
            defer { Self.logCompletion(record, reply: reply, requestLog: requestLog, logger: logger) }
            do {
                defer { ending.callEnded() }
                let content = try await Self.collect(first: first, rest: iterator, reply: &reply, record: record, ending: ending, logger: logger)
                await turn?.recordReply(content, status: .complete, usage: reply.usage, logger: logger)
                await limiter.record(reply.usage, under: checks, logger: logger)
                headers[.contentType] = "application/json; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.jsonBody(content: content))))
            } catch let error as APIError {
                await turn?.recordReply(record.text, status: .error, errorCode: error.code.rawValue, usage: reply.usage, logger: logger)
                await limiter.record(reply.usage, under: checks, logger: logger)
                throw error
            }
        }
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache, no-transform"
        headers[.xAccelBuffering] = "no"  // keeps nginx-style proxies from buffering
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { [request, reply, first, logger, turn, requestLog, limiter, checks, slot, ending] writer in
                ending.metrics.streamOpened(true)
                defer { ending.metrics.streamOpened(false) }
                do {
                    // Cancels this task, and so the plugin's call, as soon as the client goes away.
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        try await Self.stream(first: first, rest: iterator, reply: reply, record: record, ending: ending, to: &writer, logger: logger)
                    }
                } catch {
                    // The client went away, or its connection failed mid-write: the call is over
                    // for us; what was said so far is kept as a cancelled reply below.
                    logger.debug("stream ended early: \(error)")
                }
                ending.callEnded()
                // Outside the cancelled scope, so storage still runs after a disconnect.
                let outcome = record.outcome
                await turn?.recordReply(record.text, status: outcome.status, errorCode: outcome.errorCode, usage: record.usage, logger: logger)
                await limiter.record(record.usage, under: checks, logger: logger)
                slot?.release()
                Self.logCompletion(record, reply: reply, requestLog: requestLog, logger: logger)
                try? await writer.finish(nil)
            }
        )
    }

    private static func stream(first: PluginEvent?, rest iterator: EventIterator, reply: ChatReply, record: ReplyRecord,
                               ending: CallEnding, to writer: inout any ResponseBodyWriter, logger: Logger) async throws {
        var reply = reply
        var event = first
        let allocator = ByteBufferAllocator()
        while let current = event {
            record.observe(current)
            switch current {
            case .delta(let text):
                try await writer.write(ChatReply.deltaFrame(text, allocator: allocator))
            case .usage(let usage):
                reply.usage = usage
            case .done(let finishReason):
                reply.finishReason = finishReason
                try await writer.write(reply.finalFrame(allocator: allocator))
                return
            case .failed(let failure):
                // The call was cancelled because the client went away (this task's cancellation
                // reached the plugin before the stream ended): a cancelled reply, not a failed one.
                if failure.code == "CANCELLED" && !ending.wasInterrupted { throw CancellationError() }
                let error = clientError(for: failure, interrupted: ending.wasInterrupted, logger: logger)
                record.fail(error.code)
                try await writer.write(reply.errorFrame(error, allocator: allocator))
                return
            }
            event = await iterator.next()
        }
        // The stream ended without a terminal event: only a cancelled task gets here.
        try Task.checkCancellation()
    }

    private static func collect(first: PluginEvent?, rest iterator: EventIterator, reply: inout ChatReply,
                                record: ReplyRecord, ending: CallEnding, logger: Logger) async throws -> String {
        var event = first
        while let current = event {
            record.observe(current)
            switch current {
            case .delta: break
            case .usage(let usage): reply.usage = usage
            case .done(let finishReason):
                reply.finishReason = finishReason
                return record.text
            case .failed(let failure):
                let error = clientError(for: failure, interrupted: ending.wasInterrupted, logger: logger)
                record.fail(error.code)
                throw error
            }
            event = await iterator.next()
        }
        throw APIError(.internalError, "Something went wrong while answering. Please try again.")
    }

    /// Fills the access-log record (the line the outer middleware writes) and logs the turn's end at debug.
    private static func logCompletion(_ record: ReplyRecord, reply: ChatReply, requestLog: RequestLogRecord, logger: Logger) {
        // The record, not `reply`: the streaming path's copy of the reply predates the usage.
        var metadata: Logger.Metadata = ["model": .string(reply.model), "outcome": .string(record.outcome.status.rawValue)]
        if let usage = record.usage {
            metadata["tokens.input"] = .stringConvertible(usage.inputTokens)
            metadata["tokens.output"] = .stringConvertible(usage.outputTokens)
        }
        for (key, value) in metadata { requestLog.set(key, value) }
        logger.debug("chat ended", metadata: metadata)
    }

    /// Logs the plugin's own words and returns what the client may see.
    /// - Parameter interrupted: the server stopped the call (shutdown), so that is what the client is told.
    private static func clientError(for failure: PluginFailure, interrupted: Bool, logger: Logger) -> APIError {
        if interrupted {
            return APIError(.shuttingDown, "The server is restarting. Please send your message again in a moment.")
        }
        if failure.code != "CANCELLED" {
            var metadata: Logger.Metadata = ["error.code": .string(failure.code), "error.retryable": .stringConvertible(failure.retryable)]
            if let status = failure.upstreamStatus { metadata["upstream.status"] = .stringConvertible(status) }
            logger.error("provider call failed: \(failure.message)", metadata: metadata)
        }
        return APIError(pluginFailureCode: failure.code)
    }

    /// The request in the ABI's schema (version 1).
    static func pluginRequestJSON(_ chat: ChatRequest, messages: [ChatMessage], assistant: AssistantSettings, requestID: String) -> String {
        struct PluginRequest: Encodable {
            var request_id: String
            var model: String
            var system: String?
            var messages: [ChatMessage]
            var stream: Bool
            var temperature: Double?
            var max_tokens: Int?
            var top_p: Double?
        }
        let request = PluginRequest(
            request_id: requestID, model: assistant.model, system: assistant.systemPrompt,
            messages: messages, stream: chat.stream, temperature: assistant.temperature,
            max_tokens: assistant.maxTokens, top_p: assistant.topP
        )
        // Encoding plain strings and numbers cannot fail.
        let data = (try? JSONEncoder().encode(request)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// The plugin's event stream, handed from the route handler to the response writer.
///
/// One iterator for the whole call: dropping an AsyncStream iterator cancels its stream, which
/// is what we want when the response is abandoned, and must not happen in between.
final class EventIterator: @unchecked Sendable {
    // @unchecked: used by one task at a time — the handler, then the response writer.
    private var iterator: AsyncStream<PluginEvent>.Iterator

    init(_ iterator: AsyncStream<PluginEvent>.Iterator) {
        self.iterator = iterator
    }

    func next() async -> PluginEvent? {
        await iterator.next(isolation: nil)
    }
}

/// What a reply amounted to, gathered while it streams, read once it has ended — by the
/// response writer after the (possibly cancelled) streaming scope.
final class ReplyRecord: Sendable {
    private struct State {
        var text = ""
        var usage: TokenUsage?
        var finished = false
        var errorCode: APIError.Code?
        var firstTextAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// When the provider call started.
    let startedAt = ContinuousClock.now

    func observe(_ event: PluginEvent) {
        state.withLock { state in
            switch event {
            case .delta(let text):
                if state.firstTextAt == nil { state.firstTextAt = .now }
                state.text += text
            case .usage(let usage): state.usage = usage
            case .done: state.finished = true
            case .failed: break
            }
        }
    }

    func fail(_ code: APIError.Code) { state.withLock { $0.errorCode = code } }

    var text: String { state.withLock { $0.text } }
    /// How long the first text took to arrive, if any did.
    var timeToFirstText: Duration? { state.withLock { $0.firstTextAt.map { startedAt.duration(to: $0) } } }
    var usage: TokenUsage? { state.withLock { $0.usage } }

    /// complete, error (with its code), or — neither done nor failed — cancelled.
    var outcome: (status: MessageStatus, errorCode: String?) {
        state.withLock { state in
            if let code = state.errorCode { return (.error, code.rawValue) }
            return state.finished ? (.complete, nil) : (.cancelled, nil)
        }
    }
}

/// The end of one provider call, however it ends: taken off the server's list of calls in flight
/// and counted in the metrics, exactly once.
final class CallEnding: Sendable {
    private let registration: ActiveCalls.Registration
    private let record: ReplyRecord
    let metrics: PatchbayMetrics
    private let assistant: String
    private let provider: String
    private let model: String
    private let ended = Atomic(false)

    init(registration: ActiveCalls.Registration, record: ReplyRecord, metrics: PatchbayMetrics,
         assistant: String, provider: String, model: String) {
        self.registration = registration
        self.record = record
        self.metrics = metrics
        self.assistant = assistant
        self.provider = provider
        self.model = model
    }

    deinit {
        // A response dropped before its body ran (its connection failed first) still leaves the list.
        if !ended.load(ordering: .acquiring) { registration.end() }
    }

    /// Whether the server stopped the call (a shutdown past its grace period).
    var wasInterrupted: Bool { registration.wasInterrupted }

    /// Records the end; later calls do nothing.
    func callEnded() {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        registration.end()
        let outcome = record.outcome
        metrics.providerCallEnded(provider: provider, model: model, outcome: outcome.errorCode ?? outcome.status.rawValue,
                                  duration: record.startedAt.duration(to: .now), timeToFirstToken: record.timeToFirstText)
        if let usage = record.usage {
            metrics.tokensUsed(assistant: assistant, provider: provider, model: model, input: usage.inputTokens, output: usage.outputTokens)
        }
    }
}
