import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// How one door writes a turn: its events on a stream, or its whole reply in one body. With
/// the decoding of its requests, the only thing a door adds to the chat turn.
protocol TurnEventEncoder: Sendable {
    /// The bytes of one event (one or more SSE frames), or nil to write nothing for it.
    mutating func encode(_ event: TurnEvent, allocator: ByteBufferAllocator) -> ByteBuffer?
    /// The body of a reply that is not streamed.
    func wholeReply(_ reply: TurnReply) -> ByteBuffer
    /// The content type of that body.
    var contentType: String { get }
}

extension ChatTurns {
    /// Runs a turn a door decoded, and answers in the door's format: streamed as Server-Sent
    /// Events or collected into one body, with `X-Conversation-ID` when the turn is stored, and
    /// `X-Patchbay-Provider`/`X-Patchbay-Model` naming the target that answered.
    /// - Parameter encoder: the door's encoder, made once the turn has started (its ids known).
    func respond<Encoder: TurnEventEncoder>(
        to turnRequest: TurnRequest, request: Request, context: PatchbayRequestContext, encoder: (TurnMetadata) -> Encoder
    ) async throws(TurnError) -> Response {
        var turnRequest = turnRequest
        turnRequest.bypassesCache = request.headers[values: .cacheControl].contains(where: Self.forbidsCachedReply)
        let turn = try await start(turnRequest, caller: context.turnCaller, settings: context.settings)
        var headers: HTTPFields = [:]
        headers[.xCacheStatus] = turn.metadata.cache.status.rawValue
        if let id = turn.metadata.conversationID { headers[.xConversationID] = id }
        headers[.xPatchbayProvider] = turn.metadata.provider
        headers[.xPatchbayModel] = turn.metadata.model
        let encoder = encoder(turn.metadata)
        guard turnRequest.stream else {
            headers[.contentType] = encoder.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: encoder.wholeReply(try await turn.collect())))
        }
        return TurnEventStream.response(turn, request: request, channel: context.channel, headers: headers, logger: context.logger, encoder: encoder)
    }
}

extension ChatTurns {
    /// Whether a `Cache-Control` value says `no-cache` or `no-store` (any case, among other directives).
    static func forbidsCachedReply(_ value: String) -> Bool {
        value.split(separator: ",").contains { directive in
            let name = directive.split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return name == "no-cache" || name == "no-store"
        }
    }
}

extension HTTPField.Name {
    /// `X-Cache-Status`: HIT, MISS or BYPASS, as seed 004 sends it.
    static let xCacheStatus = Self("X-Cache-Status")!
}

/// The response of a streamed turn, shared by every streaming door.
enum TurnEventStream {
    /// Streams `turn` as Server-Sent Events: every event through `encoder`, written (and so
    /// flushed) as it comes. A client that goes away cancels the provider call at once; the turn
    /// is finished however the stream ends, outside the cancelled scope, so its reply is stored.
    /// A stream that ends normally leaves its HTTP/1.1 connection ready for the next request.
    static func response(
        _ turn: ChatTurn, request: Request, channel: any Channel, headers: HTTPFields = [:], logger: Logger, encoder: some TurnEventEncoder
    ) -> Response {
        var headers = headers
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache, no-transform"
        headers[.xAccelBuffering] = "no"  // keeps nginx-style proxies from buffering
        return Response(status: .ok, headers: headers, body: ResponseBody { [encoder] writer in
            var encoder = encoder
            do {
                // The client's going cancels the writing, and so the plugin's call, at once.
                let watcher = await channel.clientDisconnectWatcher
                try await ClientDisconnectWatcher.run(cancellingOnDisconnect: watcher, request: request) {
                    let allocator = ByteBufferAllocator()
                    while let event = await turn.next() {
                        if let bytes = encoder.encode(event, allocator: allocator) { try await writer.write(bytes) }
                    }
                }
            } catch {
                // The client went away, or its connection failed mid-write: what was said so far
                // is kept as a cancelled reply.
                logger.debug("stream ended early: \(error)")
            }
            await turn.finish()
            try? await writer.finish(nil)
        })
    }
}

extension Request {
    /// The whole body, refused with 413 past `limit` bytes.
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.payloadTooLarge, "The request body is larger than \(limit) bytes.")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.payloadTooLarge, "The request body is larger than \(limit) bytes.")
        }
    }
}
