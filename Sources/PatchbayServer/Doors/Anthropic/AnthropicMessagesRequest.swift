import NIOCore
import PatchbayPluginHost

/// A `POST /v1/messages` body, in Anthropic's Messages format, as a turn. `model` names an
/// assistant (or an alias); `max_tokens` is required, as Anthropic requires it; `system` becomes
/// the conversation's leading system message. Tools, images and extended thinking are refused.
struct AnthropicMessagesRequest: DoorRequest {
    /// The model the client named, echoed in the reply.
    var model: String
    /// The turn it asks for.
    var turn: TurnRequest

    func encoder(for metadata: TurnMetadata) -> AnthropicEvents {
        AnthropicEvents(metadata: metadata, model: model)
    }

    static let unsupported = ["tools", "tool_choice", "thinking", "mcp_servers", "container"]

    init(_ buffer: ByteBuffer, conversationID: String?, limits: ChatInputLimits) throws(TurnError) {
        let body = try JSONRequestBody(buffer)
        guard let model = try body.string("model"), !model.isEmpty else {
            throw TurnError(.invalidRequest, "model: field required (the name of an assistant).", field: "model")
        }
        guard let maxTokens = try body.integer("max_tokens", atLeast: 1) else {
            throw TurnError(.invalidRequest, "max_tokens: field required.", field: "max_tokens")
        }
        try body.refuseUnsupported(Self.unsupported)
        var messages: [ChatMessage] = []
        guard let items = try body.objects("messages"), !items.isEmpty else {
            throw TurnError(.invalidRequest, "messages: at least one message is required.", field: "messages")
        }
        for item in items {
            let role: ChatRole
            switch try item.string("role") {
            case "user": role = .user
            case "assistant": role = .assistant
            default: throw TurnError(.invalidRequest, "\(item.name("role")): must be user or assistant.", field: item.name("role"))
            }
            messages.append(ChatMessage(role: role, content: try item.text("content") ?? ""))
        }
        guard messages.last?.role == .user else {
            throw TurnError(.invalidRequest, "messages: the last message must be the user's.", field: "messages")
        }
        try limits.check(messages, field: "messages")
        if let system = try body.text("system"), !system.isEmpty { messages.insert(ChatMessage(role: .system, content: system), at: 0) }
        let metadataConversation = try body.nested("metadata")?.string("conversation_id")
        for id in [conversationID, metadataConversation].compactMap({ $0 }) {
            try TurnRequest.checkConversation(id, messages: messages, field: "messages")
        }
        let conversationID = conversationID ?? metadataConversation
        let parameters = ClientParameters(
            temperature: try body.number("temperature", in: 0...1),
            topP: try body.number("top_p", in: 0...1),
            maxTokens: maxTokens,
            stop: try body.strings("stop_sequences", limit: 16)
        )
        self.model = model
        self.turn = TurnRequest(assistant: model, messages: messages, conversationID: conversationID,
                                stream: try body.bool("stream") ?? false, parameters: parameters)
    }
}
