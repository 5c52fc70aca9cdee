import PatchbayJSON

/// Who said a message.
public enum ChatRole: String, Sendable, Codable, CaseIterable {
    case system, user, assistant
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// Who said it.
    public var role: ChatRole
    /// What was said.
    public var content: String

    /// Creates a message.
    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat call's request in the ABI's request schema (version 1; see `patchbay_plugin.h`).
///
/// The host builds one per provider call; ``json`` is what crosses the boundary.
public struct PluginChatRequest: Sendable, Equatable {
    /// The host's request id, for the plugin's logs.
    public var requestID: String
    /// The upstream model name.
    public var model: String
    /// The assistant's system prompt.
    public var system: String?
    /// The conversation, oldest first, ending with the newest user message.
    public var messages: [ChatMessage]
    /// Whether the client wants deltas as they come.
    public var stream: Bool
    /// Sampling temperature.
    public var temperature: Double?
    /// The most tokens the reply may have.
    public var maxTokens: Int?
    /// Nucleus sampling.
    public var topP: Double?
    /// Stop sequences the client gave; sent only when it gave some.
    public var stop: [String]?

    /// Creates a request.
    public init(
        requestID: String, model: String, system: String? = nil, messages: [ChatMessage], stream: Bool,
        temperature: Double? = nil, maxTokens: Int? = nil, topP: Double? = nil, stop: [String]? = nil
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
    }

    /// The request JSON, members in the header's order; optional members only when set.
    public var json: String {
        var json = #"{"request_id":"# + JSONText.string(requestID) + #","model":"# + JSONText.string(model)
        if let system { json += #","system":"# + JSONText.string(system) }
        json += #","messages":["#
        for (index, message) in messages.enumerated() {
            if index > 0 { json += "," }
            json += #"{"role":""# + message.role.rawValue + #"","content":"# + JSONText.string(message.content) + "}"
        }
        json += stream ? #"],"stream":true"# : #"],"stream":false"#
        if let temperature { json += #","temperature":"# + JSONText.number(temperature) }
        if let maxTokens { json += #","max_tokens":\#(maxTokens)"# }
        if let topP { json += #","top_p":"# + JSONText.number(topP) }
        if let stop, !stop.isEmpty {
            json += #","stop":"# + JSONText.array(stop)
        }
        return json + "}"
    }

}
