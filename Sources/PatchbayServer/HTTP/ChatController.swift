import Foundation
import Hummingbird
import Logging
import NIOCore
import PatchbayConfig
import PatchbayPluginHost

/// `POST /api/chat`: one chat turn, streamed as Server-Sent Events or answered as one JSON body.
struct ChatController: Sendable {
    let gateway: Gateway
    /// The largest body accepted (413 beyond).
    let maxBodyBytes: Int

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
        let chat = try ChatRequest.decode(body)

        // One snapshot of the routing for the whole request.
        let routes = gateway.routes
        guard let route = routes.assistant(chat.assistantType) else {
            let known = routes.assistants.map(\.assistant.id).joined(separator: ", ")
            throw APIError(.notFound, "Unknown assistant '\(chat.assistantType)'. Available assistants: \(known).", field: "assistantType")
        }
        var logger = context.logger
        logger[metadataKey: "assistant"] = .string(route.assistant.id)
        logger[metadataKey: "provider"] = .string(route.provider.name)
        guard let instance = route.provider.instance else {
            logger.warning("assistant unavailable: \(route.provider.unavailableReason ?? "provider not configured")")
            throw APIError(.providerUnavailable, "The assistant '\(route.assistant.id)' is not available right now.")
        }

        let events: AsyncStream<PluginEvent>
        do {
            events = try instance.startChat(requestJSON: Self.pluginRequestJSON(chat, assistant: route.assistant, requestID: context.requestID))
        } catch {
            logger.error("plugin refused to start the call: \(error.message)")
            throw APIError(.internalError, "Something went wrong while answering. Please try again.")
        }
        var reply = ChatReply(requestID: context.requestID, assistantType: route.assistant.id,
                              provider: route.provider.name, model: route.assistant.model)
        let iterator = EventIterator(events.makeAsyncIterator())

        // Wait for the first event before choosing the status: a call that fails before any text
        // gets a real HTTP error, not a 200 stream holding an error.
        var first = await iterator.next()
        while case .usage(let usage) = first {
            reply.usage = usage
            first = await iterator.next()
        }
        if case .failed(let failure) = first { throw Self.clientError(for: failure, logger: logger) }

        guard chat.stream else {
            return try await Self.collect(first: first, rest: iterator, reply: reply, logger: logger)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8",
                .cacheControl: "no-cache, no-transform",
                .xAccelBuffering: "no",
            ],
            body: ResponseBody { [request, reply, first, logger] writer in
                // Cancels this task, and so the plugin's call, as soon as the client goes away.
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await Self.stream(first: first, rest: iterator, reply: reply, to: &writer, logger: logger)
                }
                try await writer.finish(nil)
            }
        )
    }

    private static func stream(first: PluginEvent?, rest iterator: EventIterator, reply: ChatReply,
                               to writer: inout any ResponseBodyWriter, logger: Logger) async throws {
        var reply = reply
        var event = first
        let allocator = ByteBufferAllocator()
        while let current = event {
            switch current {
            case .delta(let text):
                try await writer.write(ChatReply.deltaFrame(text, allocator: allocator))
            case .usage(let usage):
                reply.usage = usage
            case .done(let finishReason):
                reply.finishReason = finishReason
                try await writer.write(reply.finalFrame(allocator: allocator))
                logger.info("chat completed", metadata: reply.logMetadata)
                return
            case .failed(let failure):
                try await writer.write(reply.errorFrame(clientError(for: failure, logger: logger), allocator: allocator))
                return
            }
            event = await iterator.next()
        }
        // The stream ended without a terminal event: only a cancelled task gets here.
        try Task.checkCancellation()
    }

    private static func collect(first: PluginEvent?, rest iterator: EventIterator, reply: ChatReply, logger: Logger) async throws -> Response {
        var reply = reply
        var content = ""
        var event = first
        while let current = event {
            switch current {
            case .delta(let text): content += text
            case .usage(let usage): reply.usage = usage
            case .done(let finishReason):
                reply.finishReason = finishReason
                logger.info("chat completed", metadata: reply.logMetadata)
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: reply.jsonBody(content: content)))
                )
            case .failed(let failure):
                throw clientError(for: failure, logger: logger)
            }
            event = await iterator.next()
        }
        throw APIError(.internalError, "Something went wrong while answering. Please try again.")
    }

    /// Logs the plugin's own words and returns what the client may see.
    private static func clientError(for failure: PluginFailure, logger: Logger) -> APIError {
        if failure.code != "CANCELLED" {
            var metadata: Logger.Metadata = ["error.code": .string(failure.code), "error.retryable": .stringConvertible(failure.retryable)]
            if let status = failure.upstreamStatus { metadata["upstream.status"] = .stringConvertible(status) }
            logger.error("provider call failed: \(failure.message)", metadata: metadata)
        }
        return APIError(pluginFailureCode: failure.code)
    }

    /// The request in the ABI's schema (version 1).
    static func pluginRequestJSON(_ chat: ChatRequest, assistant: AssistantSettings, requestID: String) -> String {
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
            messages: chat.messages, stream: chat.stream, temperature: assistant.temperature,
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

extension ChatReply {
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["model": .string(model)]
        if let usage {
            metadata["tokens.input"] = .stringConvertible(usage.inputTokens)
            metadata["tokens.output"] = .stringConvertible(usage.outputTokens)
        }
        return metadata
    }
}
