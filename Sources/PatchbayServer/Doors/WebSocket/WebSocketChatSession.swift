import HummingbirdWebSocket
import Logging
import Synchronization

/// One 004 WebSocket after the upgrade: reads the client's messages, runs each `chat` as a turn
/// in a child task (several at once, told apart by `id`), and writes every reply.
///
/// A `cancel`, or the socket closing, stops a chat's plugin call at once; the turn is then
/// finished outside the stopped scope, so it is stored and counted as cancelled like a reply
/// whose HTTP client went away.
struct WebSocketChatSession: Sendable {
    let turns: ChatTurns
    let settings: ReloadableSettings
    /// The key the socket authenticated with, if auth is on.
    let key: AuthenticatedKey?
    /// The caller as the upgrade request identified it (key id or client address).
    let caller: CallerRecord
    let maxMessageBytes: Int
    /// How many chats may be in flight at once.
    let maxChats: Int
    /// The upgrade request's logger (request id, caller id).
    let logger: Logger

    /// Serves the socket until the client closes it (or it fails), then stops every chat in flight.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let chats = ChatsInFlight(limit: maxChats)
        let replies = WebSocketReplies(outbound: outbound, logger: logger)
        var ending: (any Error)?
        await withDiscardingTaskGroup { group in
            do {
                for try await message in inbound.messages(maxSize: maxMessageBytes) {
                    guard case .text(let text) = message else {
                        await replies.refuse(WebSocketRefusal(id: nil, TurnError(.invalidRequest, "Binary messages are not supported: send JSON text.")))
                        continue
                    }
                    await receive(text, group: &group, chats: chats, replies: replies)
                }
            } catch {
                ending = error  // too large a message, or a broken socket: closed with its code
            }
            chats.cancelAll()
        }
        if let ending { throw ending }
    }

    /// Handles one text message: a chat starts in its own child task; the rest is answered at once.
    private func receive(_ text: String, group: inout DiscardingTaskGroup, chats: ChatsInFlight, replies: WebSocketReplies) async {
        let live = settings.current
        let message: WebSocketClientMessage
        do throws(WebSocketRefusal) {
            message = try WebSocketClientMessage.decode(text, limits: live.inputLimits)
        } catch {
            await replies.refuse(error)
            return
        }
        switch message {
        case .ping(let id):
            await replies.send(WebSocketReply.pong(id: id))
        case .cancel(let id):
            if !chats.cancel(id) { logger.debug("cancel for a chat not in flight", metadata: ["websocket.chat": .string(id)]) }
        case .chat(let id, let chat):
            do throws(ChatsInFlight.Refusal) {
                try chats.begin(id)
            } catch {
                switch error {
                case .duplicate:
                    await replies.refuse(WebSocketRefusal(id: id, TurnError(.invalidRequest, "A chat with this id is already in flight.", field: "id")))
                case .full(let limit):
                    let message = "\(limit) chats are already in flight on this socket. Please wait for one to finish."
                    await replies.refuse(WebSocketRefusal(id: id, TurnError(.rateLimited, message)))
                }
                return
            }
            let turn = chat.turn
            group.addTask {
                await WebSocketChatRun(id: id, request: turn, caller: turnCaller(), settings: live, turns: turns, replies: replies).run(until: chats)
            }
        }
    }

    /// A chat's caller: the socket's identity, with the chat's own request id and log record.
    private func turnCaller() -> TurnCaller {
        let requestID = RequestIDMiddleware.newID()
        var logger = logger
        logger[metadataKey: "websocket.request.id"] = logger[metadataKey: "request.id"]
        logger[metadataKey: "request.id"] = .string(requestID)
        return TurnCaller(key: key, record: caller, requestID: requestID, logger: logger, requestLog: RequestLogRecord())
    }
}

/// Writes the socket's messages. Each is one whole text frame, so the replies of chats running
/// side by side interleave message by message, never inside one.
struct WebSocketReplies: Sendable {
    let outbound: WebSocketOutboundWriter
    let logger: Logger

    /// Sends a message; false once the socket cannot take it (closed, or the chat was cancelled).
    @discardableResult
    func send(_ text: String) async -> Bool {
        do {
            try await outbound.write(.text(text))
            return true
        } catch {
            logger.debug("websocket message not sent: \(error)")
            return false
        }
    }

    /// Answers a message the socket cannot serve.
    func refuse(_ refusal: WebSocketRefusal) async {
        await send(WebSocketReply.error(id: refusal.id, WebSocketError(refusal.error)))
    }
}
