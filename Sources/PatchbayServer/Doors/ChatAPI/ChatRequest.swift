import Foundation
import NIOCore
import PatchbayJSON
import PatchbayPluginHost

/// A `POST /api/chat` body, in either of the shapes widgets send, normalised.
///
/// - `{"messages":[{"role","content"}], "stream", "assistantType"}` — OpenAI-style.
/// - `{"message":"…", "history":[{"text","sender","timestamp"}], "assistantType"}` — widget-style.
///
/// `provider` and `model` are hints, never orders: when `assistantType` is absent, a hint that is
/// an assistant's id or alias picks that assistant; one that matches nothing is ignored and the
/// default assistant answers. The operator decides provider, model and key in providers.yaml.
public struct ChatRequest: Sendable, Equatable {
    /// The request's shape, as sent.
    public enum Shape: Sendable, Equatable {
        /// `messages`.
        case messages
        /// `message` + `history`.
        case messageAndHistory
    }

    /// The assistant asked for, if the client named one.
    public var assistantType: String?
    /// The client's `provider` and `model` hints, in that order.
    public var hints: [String] = []
    /// Whether to stream. When the client does not say: the `messages` shape streams (000's
    /// contract), the `message` shape answers one JSON body (001 and 002 read `response.json()`)
    /// unless its `Accept` header names `text/event-stream`.
    public var stream: Bool
    /// The conversation, oldest first, ending with the newest user message.
    public var messages: [ChatMessage]
    /// The shape the client used.
    public var shape: Shape
    /// The conversation to continue (or to create under this id), if the client named one.
    public var conversationID: String?

    /// Creates a request.
    public init(
        assistantType: String? = nil, stream: Bool = true, messages: [ChatMessage], shape: Shape = .messages,
        conversationID: String? = nil
    ) {
        self.assistantType = assistantType
        self.stream = stream
        self.messages = messages
        self.shape = shape
        self.conversationID = conversationID
    }

    /// Whether the server keeps this turn: the widget shape always does, the `messages` shape
    /// only when the client names a conversation (without one it stays stateless).
    public var isConversational: Bool { conversationID != nil || shape == .messageAndHistory }

    /// The assistant that answers: the one named, else the first hint that is an assistant's
    /// id or alias, else `default`.
    func assistant(in routes: RouteTable) -> String {
        assistantType ?? hints.first { routes.assistant(named: $0) != nil } ?? "default"
    }

    /// The turn this body asks for.
    func turnRequest(routes: RouteTable) -> TurnRequest {
        TurnRequest(assistant: assistant(in: routes), messages: messages, conversationID: conversationID,
                    storesConversation: isConversational, stream: stream)
    }
}

extension ChatRequest {
    /// The body's members, read from JSON by ``read(_:)``.
    private struct Wire {
        var messages: [(role: String, content: String)]?
        var message: String?
        var history: [(text: String, sender: String)]?
        var assistantType: String?
        var stream: Bool?
        var conversationId: String?
        var provider: String?
        var model: String?
    }

    /// Decodes and validates a body; every refusal names the field at fault.
    /// - Parameter acceptsEventStream: whether the request's `Accept` asks for Server-Sent
    ///   Events, which makes a `message`-shaped body without `stream` stream.
    public static func decode(
        _ body: ByteBuffer, limits: ChatInputLimits = ChatInputLimits(), acceptsEventStream: Bool = false
    ) throws(APIError) -> ChatRequest {
        guard body.readableBytes > 0 else {
            throw APIError(.invalidRequest, "The request body is empty; send a JSON object.")
        }
        let parsed: JSONValue
        do {
            parsed = try body.withUnsafeReadableBytes { bytes throws(JSONParseError) in try JSONValue.parse(bytes) }
        } catch {
            // UTF-8 is checked only when the text did not parse: the parser validates every
            // string, and a valid body pays for no second pass.
            guard body.withUnsafeReadableBytes({ String(validating: $0, as: UTF8.self) }) != nil else {
                throw APIError(.invalidRequest, "The request body is not valid UTF-8.", field: "body")
            }
            throw APIError(.invalidRequest, "The request body is not valid JSON.")
        }
        let wire = try read(parsed)

        if wire.assistantType?.isEmpty == true {
            throw APIError(.invalidRequest, "assistantType must not be empty.", field: "assistantType")
        }
        var request = ChatRequest(assistantType: wire.assistantType, stream: wire.stream ?? (wire.message == nil || acceptsEventStream), messages: [])
        request.hints = [wire.provider, wire.model].compactMap { $0 }
        if let id = wire.conversationId {
            guard ConversationID.isValid(id) else {
                throw APIError(.invalidRequest, "conversationId must be 1 to 128 of A-Z, a-z, 0-9, '-', '_' and '.'.", field: "conversationId")
            }
            request.conversationID = id
        }

        switch (wire.messages, wire.message) {
        case (.some, .some):
            throw APIError(.invalidRequest, "Send either messages or message, not both.", field: "message")
        case (nil, nil):
            throw APIError(.invalidRequest, "messages (a list) or message (a string) is required.", field: "messages")
        case (.some(let messages), nil):
            guard !messages.isEmpty else {
                throw APIError(.invalidRequest, "messages must hold at least one message.", field: "messages")
            }
            for (index, message) in messages.enumerated() {
                guard let role = ChatRole(rawValue: message.role) else {
                    throw APIError(.invalidRequest, "messages[\(index)].role must be one of user, assistant, system.",
                                   field: "messages[\(index)].role")
                }
                request.messages.append(ChatMessage(role: role, content: message.content))
            }
            guard let last = request.messages.lastIndex(where: { $0.role == .user }) else {
                throw APIError(.invalidRequest, "messages must hold a user message.", field: "messages")
            }
            guard !isBlank(request.messages[last].content) else {
                throw APIError(.invalidRequest, "messages[\(last)].content must not be empty.", field: "messages[\(last)].content")
            }
            // A stored conversation grows by one user message per turn.
            if request.conversationID != nil, last != request.messages.count - 1 {
                throw APIError(.invalidRequest, "With a conversationId, the last message must be the user's new message.", field: "messages")
            }
        case (nil, .some(let message)):
            request.shape = .messageAndHistory
            for (index, entry) in (wire.history ?? []).enumerated() {
                let role: ChatRole
                switch entry.sender {
                case "user": role = .user
                case "assistant", "bot": role = .assistant
                default:
                    throw APIError(.invalidRequest, "history[\(index)].sender must be user or assistant.",
                                   field: "history[\(index)].sender")
                }
                request.messages.append(ChatMessage(role: role, content: entry.text))
            }
            guard !isBlank(message) else {
                throw APIError(.invalidRequest, "message must not be empty.", field: "message")
            }
            request.messages.append(ChatMessage(role: .user, content: message))
        }
        try limits.check(request, historyShape: request.shape == .messageAndHistory)
        return request
    }

    /// Whether `text` has no character but whitespace, judged per Unicode scalar (the White_Space
    /// property): exactly the OpenAPI document's pattern. `Character.isWhitespace` looks only at a
    /// character's first scalar, so it called a space with a combining accent (" \u{301}") blank.
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// The body's members, each refusal naming the field at fault (`messages[1].content`), in
    /// the order a client would fix them.
    private static func read(_ parsed: JSONValue) throws(APIError) -> Wire {
        guard parsed.object != nil else { throw APIError(.invalidRequest, "The request body must be a JSON object.") }
        let body = JSONRequestBody(object: parsed)
        do {
            var wire = Wire()
            wire.messages = try body.objects("messages")?.map { message throws(TurnError) in
                (try message.requiredString("role"), try message.requiredString("content"))
            }
            wire.message = try body.string("message")
            wire.history = try body.objects("history")?.map { entry throws(TurnError) in
                (try entry.requiredString("text"), try entry.requiredString("sender"))
            }
            wire.assistantType = try body.string("assistantType")
            wire.stream = try body.bool("stream")
            wire.conversationId = try body.string("conversationId")
            wire.provider = try body.string("provider")
            wire.model = try body.string("model")
            return wire
        } catch {
            throw APIError(error)
        }
    }
}

/// How much one chat request may carry (`server.max_message_chars`, `server.max_messages`).
public struct ChatInputLimits: Sendable, Equatable {
    /// The longest message content, in Unicode scalar values: what JSON Schema's `maxLength`
    /// counts, so the OpenAPI document states the limit exactly.
    public var maxMessageChars: Int
    /// The most messages in `messages`, or entries in `history`.
    public var maxMessages: Int

    /// Creates limits; the defaults are providers.yaml's.
    public init(maxMessageChars: Int = 32_000, maxMessages: Int = 200) {
        self.maxMessageChars = maxMessageChars
        self.maxMessages = maxMessages
    }

    /// Refuses a request over a limit, naming the field.
    func check(_ request: ChatRequest, historyShape: Bool) throws(APIError) {
        let count = historyShape ? request.messages.count - 1 : request.messages.count
        let last = request.messages.count - 1
        if let (message, field) = violation(count: count, countField: historyShape ? "history" : "messages", messages: request.messages,
                                            contentField: { historyShape ? ($0 == last ? "message" : "history[\($0)].text") : "messages[\($0)].content" }) {
            throw APIError(.invalidRequest, message, field: field)
        }
    }

    /// Refuses a list of messages over a limit, naming the field (`messages[2].content`).
    func check(_ messages: [ChatMessage], field: String) throws(TurnError) {
        if let (message, field) = violation(count: messages.count, countField: field, messages: messages, contentField: { "\(field)[\($0)].content" }) {
            throw TurnError(.invalidRequest, message, field: field)
        }
    }

    /// The first limit passed, as a message and the field at fault; nil within every limit.
    private func violation(count: Int, countField: String, messages: [ChatMessage], contentField: (Int) -> String) -> (String, String)? {
        guard count <= maxMessages else { return ("\(countField) may hold at most \(maxMessages) entries.", countField) }
        guard let index = messages.firstIndex(where: { $0.content.unicodeScalars.count > maxMessageChars }) else { return nil }
        let field = contentField(index)
        return ("\(field) is longer than \(maxMessageChars) characters.", field)
    }
}
