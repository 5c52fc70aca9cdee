import Foundation

/// A chat request as the host passes it to `chat_start` (the ABI's request JSON, schema 1): the
/// host writes it with ``json``, a Swift plugin reads it with ``init(json:)``. One type for both
/// sides of the boundary, so they cannot drift apart; C plugins read the schema in the header.
public struct ChatCallRequest: Sendable, Equatable, Decodable {
    /// One message of the conversation.
    public struct Message: Sendable, Equatable, Decodable {
        /// "system", "user" or "assistant" (kept as text: the schema may grow).
        public var role: String
        /// The message's text.
        public var content: String

        /// Creates a message.
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The host's request id, for logs.
    public var requestID: String
    /// The upstream model name.
    public var model: String
    /// The assistant's system prompt, if any.
    public var system: String?
    /// The conversation, oldest first; it ends with the newest user message.
    public var messages: [Message]
    /// True when the client wants deltas as they come.
    public var stream: Bool
    /// Sampling temperature, if set.
    public var temperature: Double?
    /// The most tokens to generate, if set.
    public var maxTokens: Int?
    /// Nucleus sampling, if set.
    public var topP: Double?
    /// Stop sequences, if set.
    public var stop: [String]?
    /// The provider-side state of the conversation (ABI 1.2): what this plugin's last DONE said,
    /// passed back only to the provider that produced it. `messages` is still the full context.
    public var state: String?

    /// Creates a request (for tests and for plugins that build one themselves).
    public init(
        requestID: String = "",
        model: String,
        system: String? = nil,
        messages: [Message],
        stream: Bool = true,
        temperature: Double? = nil,
        maxTokens: Int? = nil,
        topP: Double? = nil,
        stop: [String]? = nil,
        state: String? = nil
    ) {
        self.requestID = requestID
        self.model = model
        self.system = system
        self.messages = messages
        self.stream = stream
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.stop = stop
        self.state = state
    }

    /// The request JSON, members in the header's order; optional members only when set.
    public var json: String {
        var json = #"{"request_id":"# + JSONText.string(requestID) + #","model":"# + JSONText.string(model)
        if let system { json += #","system":"# + JSONText.string(system) }
        json += #","messages":["#
        for (index, message) in messages.enumerated() {
            if index > 0 { json += "," }
            json += #"{"role":"# + JSONText.string(message.role) + #","content":"# + JSONText.string(message.content) + "}"
        }
        json += stream ? #"],"stream":true"# : #"],"stream":false"#
        if let temperature { json += #","temperature":"# + JSONText.number(temperature) }
        if let maxTokens { json += #","max_tokens":\#(maxTokens)"# }
        if let topP { json += #","top_p":"# + JSONText.number(topP) }
        if let stop, !stop.isEmpty { json += #","stop":"# + JSONText.array(stop) }
        if let state { json += #","state":"# + JSONText.string(state) }
        return json + "}"
    }

    /// Decodes the ABI's request JSON. Unknown members are ignored; `request_id` and `stream`
    /// default to "" and false when absent; `model` and `messages` are required.
    public init(json: Data) throws {
        try self.init(json: try JSONValue.parse(json))
    }

    /// Decodes the ABI's request JSON where it lies (the `chat_start` request's bytes).
    public init(json: UnsafeRawBufferPointer) throws {
        try self.init(json: try JSONValue.parse(json.assumingMemoryBound(to: UInt8.self)))
    }

    /// Reads the request from parsed JSON (no Foundation decoder: this runs once per turn).
    init(json value: JSONValue) throws(ChatCallRequestError) {
        func optional<T>(_ key: String, _ read: (JSONValue) -> T?) throws(ChatCallRequestError) -> T? {
            guard let member = value[key], !member.isNull else { return nil }
            guard let read = read(member) else { throw ChatCallRequestError(member: key) }
            return read
        }
        guard value.object != nil else { throw ChatCallRequestError(member: "(the request)") }
        guard let model = try optional("model", \.string) else { throw ChatCallRequestError(member: "model") }
        guard let list = try optional("messages", \.array) else { throw ChatCallRequestError(member: "messages") }
        var messages: [Message] = []
        messages.reserveCapacity(list.count)
        for item in list {
            guard let role = item["role"]?.string, let content = item["content"]?.string else {
                throw ChatCallRequestError(member: "messages")
            }
            messages.append(Message(role: role, content: content))
        }
        let stop = try optional("stop", \.array)
        self.init(
            requestID: try optional("request_id", \.string) ?? "", model: model, system: try optional("system", \.string),
            messages: messages, stream: try optional("stream", \.bool) ?? false,
            temperature: try optional("temperature", \.double), maxTokens: try optional("max_tokens", \.int),
            topP: try optional("top_p", \.double),
            stop: try stop.map { list throws(ChatCallRequestError) in
                let strings = list.compactMap(\.string)
                guard strings.count == list.count else { throw ChatCallRequestError(member: "stop") }
                return strings
            },
            state: try optional("state", \.string)
        )
    }

    private enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case model, system, messages, stream, temperature
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case stop, state
    }

    /// Decodes the request JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requestID = try container.decodeIfPresent(String.self, forKey: .requestID) ?? ""
        model = try container.decode(String.self, forKey: .model)
        system = try container.decodeIfPresent(String.self, forKey: .system)
        messages = try container.decode([Message].self, forKey: .messages)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        stop = try container.decodeIfPresent([String].self, forKey: .stop)
        state = try container.decodeIfPresent(String.self, forKey: .state)
    }
}

/// A request JSON that is valid JSON but not the ABI's schema: `member` is missing or of the
/// wrong type.
public struct ChatCallRequestError: Error, Sendable, CustomStringConvertible {
    /// The member at fault.
    public let member: String
    /// What is wrong with it, when more is known than "missing or of the wrong type".
    public let detail: String?

    /// Creates the error.
    public init(member: String, detail: String? = nil) {
        self.member = member
        self.detail = detail
    }

    public var description: String { "the request's \(member) \(detail ?? "is missing or of the wrong type")" }
}
