import NIOCore
import PatchbayPluginHost

/// A `POST /v1/chat/completions` body, in OpenAI's Chat Completions format, as a turn.
///
/// `model` names an assistant (or an alias). What this server cannot do yet (tools, images,
/// audio, `n` > 1, logprobs, structured output) is refused with the member named, never dropped.
struct OpenAIChatRequest: DoorRequest {
    /// The model the client named, echoed in every reply.
    var model: String
    /// The turn it asks for.
    var turn: TurnRequest
    /// `stream_options.include_usage`: a last chunk with the usage.
    var includeUsage: Bool

    func encoder(for metadata: TurnMetadata) -> OpenAIChunks {
        OpenAIChunks(metadata: metadata, model: model, includeUsage: includeUsage)
    }

    static let unsupported = ["tools", "tool_choice", "functions", "function_call", "audio", "prediction", "top_logprobs", "web_search_options"]

    init(_ buffer: ByteBuffer, conversationID: String?, limits: ChatInputLimits) throws(TurnError) {
        let body = try JSONRequestBody(buffer)
        guard let model = try body.string("model"), !model.isEmpty else {
            throw TurnError(.invalidRequest, "model is required: the name of an assistant.", field: "model")
        }
        try body.refuseUnsupported(Self.unsupported)
        if let n = try body.integer("n", atLeast: 1), n != 1 {
            throw TurnError(.invalidRequest, "n must be 1: this server returns one choice.", field: "n")
        }
        if try body.bool("logprobs") == true {
            throw TurnError(.invalidRequest, "logprobs is not supported by this server.", field: "logprobs")
        }
        if let format = try body.nested("response_format"), try format.string("type") != "text" {
            throw TurnError(.invalidRequest, "response_format other than text is not supported by this server.", field: "response_format")
        }
        if body.has("modalities"), body.object["modalities"]?.array?.allSatisfy({ $0.string == "text" }) != true {
            throw TurnError(.invalidRequest, "modalities other than [\"text\"] are not supported by this server.", field: "modalities")
        }
        let messages = try Self.messages(body)
        try limits.check(messages, field: "messages")
        let stream = try body.bool("stream") ?? false
        let maxCompletionTokens = try body.integer("max_completion_tokens", atLeast: 1)
        let maxTokens = try body.integer("max_tokens", atLeast: 1)
        let parameters = ClientParameters(
            temperature: try body.number("temperature", in: 0...2),
            topP: try body.number("top_p", in: 0...1),
            maxTokens: maxCompletionTokens ?? maxTokens,
            stop: try body.strings("stop", limit: 4)
        )
        let metadataConversation = try body.nested("metadata")?.string("conversation_id")
        for id in [conversationID, metadataConversation].compactMap({ $0 }) {
            try TurnRequest.checkConversation(id, messages: messages, field: "messages")
        }
        let conversationID = conversationID ?? metadataConversation
        self.model = model
        self.includeUsage = try body.nested("stream_options")?.bool("include_usage") ?? false
        self.turn = TurnRequest(assistant: model, messages: messages, conversationID: conversationID, stream: stream, parameters: parameters)
    }

    /// `messages`: system and developer messages are the conversation's system messages; text only.
    private static func messages(_ body: JSONRequestBody) throws(TurnError) -> [ChatMessage] {
        guard let items = try body.objects("messages"), !items.isEmpty else {
            throw TurnError(.invalidRequest, "messages must hold at least one message.", field: "messages")
        }
        var messages: [ChatMessage] = []
        for item in items {
            let role: ChatRole
            switch try item.string("role") {
            case "system", "developer": role = .system
            case "user": role = .user
            case "assistant": role = .assistant
            default:
                throw TurnError(.invalidRequest, "\(item.name("role")) must be system, developer, user or assistant.", field: item.name("role"))
            }
            try item.refuseUnsupported(["tool_calls", "function_call", "audio"])
            messages.append(ChatMessage(role: role, content: try item.text("content") ?? ""))
        }
        guard messages.contains(where: { $0.role == .user }) else {
            throw TurnError(.invalidRequest, "messages must hold a user message.", field: "messages")
        }
        return messages
    }
}

extension TurnRequest {
    /// Refuses a conversation id no conversation can have, or a stored turn whose last message
    /// is not the user's new one (a stored conversation grows by one user message per turn).
    static func checkConversation(_ id: String, messages: [ChatMessage], field: String) throws(TurnError) {
        guard ConversationID.isValid(id) else {
            throw TurnError(.invalidRequest, "A conversation id must be 1 to 128 of A-Z, a-z, 0-9, '-', '_' and '.'.", field: "conversation_id")
        }
        guard messages.last?.role == .user else {
            throw TurnError(.invalidRequest, "With a conversation id, the last message must be the user's new message.", field: field)
        }
    }
}
