import Logging
import Synchronization

/// One chat on a socket: its turn started, each event written as 004's messages — a `stream`
/// per delta (when `stream` is true), then `complete`, or an `error` — until the turn ends or
/// the chat is cancelled.
struct WebSocketChatRun: Sendable {
    /// The client's `id`, on every reply.
    let id: String
    let request: TurnRequest
    let caller: TurnCaller
    /// The live settings in force when the chat arrived, for its whole run.
    let settings: LiveSettings
    let turns: ChatTurns
    let replies: WebSocketReplies

    /// Runs the chat, racing it against `cancel` (or the socket's end): the loser is cancelled,
    /// which stops the plugin's call at once. The turn is finished after the race, in a task
    /// nobody cancelled, so its reply is stored and counted however the chat ended.
    func run(until chats: ChatsInFlight) async {
        let started = StartedTurn()
        await withTaskGroup(of: Void.self) { race in
            race.addTask { await converse(started) }
            race.addTask { await chats.untilCancelled(id) }
            await race.next()
            race.cancelAll()
        }
        await started.turn?.finish()
        chats.end(id)
        var metadata = caller.requestLog.metadata
        if let chat = RequestIDMiddleware.usableID(id) { metadata["websocket.chat"] = .string(chat) }
        caller.logger.info("websocket chat", metadata: metadata)
    }

    /// Starts the turn and writes its events.
    private func converse(_ started: StartedTurn) async {
        let turn: ChatTurn
        do throws(TurnError) {
            turn = try await turns.start(request, caller: caller, settings: settings)
        } catch {
            await replies.refuse(WebSocketRefusal(id: id, error))
            return
        }
        started.turn = turn
        var text = ""
        var index = 0
        while let event = await turn.next() {
            switch event {
            case .delta(let chunk):
                text += chunk
                guard request.stream else { continue }
                // A socket that cannot take more ends the chat; the turn is finished as cancelled.
                guard await replies.send(WebSocketReply.stream(id: id, chunk: chunk, index: index)) else { return }
                index += 1
            case .finished(let summary):
                await replies.send(WebSocketReply.complete(id: id, response: text, model: turn.metadata.model, usage: summary.usage,
                                                            cached: turn.metadata.cache.status == .hit))
            case .failed(let error):
                await replies.refuse(WebSocketRefusal(id: id, error))
            }
        }
    }
}

/// The chat's turn once it has started, handed from the racing task to the one that finishes it.
private final class StartedTurn: Sendable {
    private let started = Mutex<ChatTurn?>(nil)

    var turn: ChatTurn? {
        get { started.withLock { $0 } }
        set { started.withLock { $0 = newValue } }
    }
}
