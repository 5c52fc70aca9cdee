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
                let data = try body.nested("data") ?? JSONRequestBody(object: [:], path: "data")
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

/// A `chat` message's `data`, as a turn: the same turn `/api/chat` would run for
/// `{message, history, model}`, so the `model` hint resolves an assistant through its aliases
/// as it does there, and the turn is stored like any other.
struct WebSocketChat {
    /// The conversation: `conversation_history`, then the new message.
    var messages: [ChatMessage]
    /// `model`: a hint, never an order.
    var model: String?
    /// `stream`: true (the default) sends `stream` messages before `complete`.
    var stream: Bool
    /// `temperature`, `max_tokens`, `system_prompt`: applied as the assistant's `client_parameters` allow.
    var parameters: ClientParameters

    init(_ data: JSONRequestBody, limits: ChatInputLimits) throws(TurnError) {
        guard let message = try data.string("message"), !ChatRequest.isBlank(message) else {
            throw TurnError(.invalidRequest, "data.message is required and must not be empty.", field: "data.message")
        }
        guard message.unicodeScalars.count <= limits.maxMessageChars else {
            throw TurnError(.invalidRequest, "data.message is longer than \(limits.maxMessageChars) characters.", field: "data.message")
        }
        var history: [ChatMessage] = []
        for entry in try data.objects("conversation_history") ?? [] {
            guard let role = try entry.string("role").flatMap(ChatRole.init(rawValue:)) else {
                throw TurnError(.invalidRequest, "\(entry.name("role")) must be user, assistant or system.", field: entry.name("role"))
            }
            history.append(ChatMessage(role: role, content: try entry.string("content") ?? ""))
        }
        try limits.check(history, field: "data.conversation_history")
        messages = history + [ChatMessage(role: .user, content: message)]
        model = try data.string("model")
        stream = try data.bool("stream") ?? true
        parameters = ClientParameters(
            temperature: try data.number("temperature", in: 0...2),
            maxTokens: try data.integer("max_tokens", atLeast: 1),
            systemPrompt: try data.string("system_prompt")
        )
    }

    /// The turn, its assistant resolved against the live routing.
    func turnRequest(routes: RouteTable) -> TurnRequest {
        var chat = ChatRequest(stream: stream, messages: messages, shape: .messageAndHistory)
        chat.hints = model.map { [$0] } ?? []
        var turn = chat.turnRequest(routes: routes)
        turn.parameters = parameters
        return turn
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
