import Foundation
import NIOCore
import PatchbayPluginHost

/// A message from a 004 WebSocket client: `chat`, `ping` or `cancel`, each with the `id` that
/// every reply to it carries.
enum WebSocketClientMessage {
    /// `{type: "chat", id, data: {message, model, stream, temperature, max_tokens, system_prompt, conversation_history}}`.
    case chat(id: String, WebSocketChat)
    /// `{type: "ping", id, timestamp}`.
    case ping(id: String)
    /// `{type: "cancel", id}`: stop the chat with that id.
    case cancel(id: String)

    /// Decodes one text message.
    /// - Throws: why it cannot be served, with its `id` when it had a usable one, so the
    ///   `error` reply reaches the right request.
    static func decode(_ text: String, limits: ChatInputLimits) throws(WebSocketRefusal) -> WebSocketClientMessage {
        let body: JSONRequestBody
        do throws(TurnError) {
            body = try JSONRequestBody(ByteBuffer(string: text))
        } catch {
            throw WebSocketRefusal(id: nil, error)
        }
        // A message whose id is not a string is answered without one: it cannot be told apart.
        let id = try? body.string("id")
        do throws(TurnError) {
            guard let id, !id.isEmpty else { throw TurnError(.invalidRequest, "id is required: a non-empty string.", field: "id") }
            switch try body.string("type") {
            case "chat"?:
                let data = try body.nested("data") ?? JSONRequestBody(object: .object([]), path: "data")
                return .chat(id: id, try WebSocketChat(data, limits: limits))
            case "ping"?: return .ping(id: id)
            case "cancel"?: return .cancel(id: id)
            case let other:
                let found = other.map { "'\($0)'" } ?? "missing"
                throw TurnError(.invalidRequest, "type must be chat, ping or cancel; found \(found).", field: "type")
            }
        } catch {
            throw WebSocketRefusal(id: id, error)
        }
    }
}

/// A `chat` message's `data`: seed 004's chat object, the same as `/api/v1/chat/completion`'s
/// body, as a turn — streamed unless `stream: false`, and stored like a widget's turn.
struct WebSocketChat {
    var turn: TurnRequest

    init(_ data: JSONRequestBody, limits: ChatInputLimits) throws(TurnError) {
        turn = try CompletionRequest(data, limits: limits, streamsByDefault: true).turn
        turn.storesConversation = true
    }
}

/// A client message the socket cannot serve, answered with an `error` message; the socket stays open.
struct WebSocketRefusal: Error {
    /// The message's `id`, if it had a usable one.
    let id: String?
    /// What was wrong, in words the client may see.
    let error: TurnError

    init(id: String?, _ error: TurnError) {
        self.id = id
        self.error = error
    }
}
