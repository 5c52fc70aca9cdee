import NIOCore
import PatchbayPluginHost

/// A `POST /api/v1/chat/completion` or `/api/v1/chat/stream` body, in seed 004's format, as a
/// turn: `{message, model, temperature, max_tokens, stream, system_prompt, conversation_history}`.
///
/// `model` is a hint: an assistant's id or alias picks that assistant; anything else (the
/// seed's own `gpt-3.5-turbo`, say) is ignored and `default` answers. The parameters go through
/// the assistant's `client_parameters` rules. The WebSocket door's `chat` frames carry the same
/// object as their `data`.
struct CompletionRequest: DoorRequest {
    /// The turn it asks for.
    var turn: TurnRequest

    func encoder(for metadata: TurnMetadata) -> CompletionReply {
        CompletionReply(metadata: metadata)
    }

    init(_ buffer: ByteBuffer, conversationID: String?, limits: ChatInputLimits) throws(TurnError) {
        try self.init(JSONRequestBody(buffer), limits: limits)
    }

    /// Decodes 004's chat object; every refusal names the member at fault.
    /// - Parameter streamsByDefault: what an absent `stream` means (the WebSocket streams).
    init(_ body: JSONRequestBody, limits: ChatInputLimits, streamsByDefault: Bool = false) throws(TurnError) {
        guard let message = try body.string("message"), !ChatRequest.isBlank(message) else {
            throw TurnError(.invalidRequest, "\(body.name("message")) is required: the user's message, not blank.", field: body.name("message"))
        }
        var messages: [ChatMessage] = []
        for entry in try body.objects("conversation_history") ?? [] {
            let role: ChatRole
            switch try entry.string("role") {
            case "user": role = .user
            case "assistant": role = .assistant
            case "system": role = .system
            default:
                throw TurnError(.invalidRequest, "\(entry.name("role")) must be user, assistant or system.", field: entry.name("role"))
            }
            guard let content = try entry.string("content") else {
                throw TurnError(.invalidRequest, "\(entry.name("content")) is required: a string.", field: entry.name("content"))
            }
            messages.append(ChatMessage(role: role, content: content))
        }
        // The history and the new message together stay within server.max_messages.
        guard messages.count < limits.maxMessages else {
            throw TurnError(.invalidRequest, "conversation_history may hold at most \(limits.maxMessages - 1) entries.", field: body.name("conversation_history"))
        }
        try limits.check(messages, field: body.name("conversation_history"))
        guard message.unicodeScalars.count <= limits.maxMessageChars else {
            throw TurnError(.invalidRequest, "message is longer than \(limits.maxMessageChars) characters.", field: body.name("message"))
        }
        messages.append(ChatMessage(role: .user, content: message))
        let parameters = ClientParameters(
            temperature: try body.number("temperature", in: 0...2),
            topP: try body.number("top_p", in: 0...1),
            maxTokens: try body.integer("max_tokens", atLeast: 1),
            systemPrompt: try body.string("system_prompt")
        )
        let model = try body.string("model")
        turn = TurnRequest(assistant: model ?? "default", messages: messages, stream: try body.bool("stream") ?? streamsByDefault,
                           parameters: parameters)
        turn.assistantIsHint = true
    }
}
