import PatchbayRateLimit

/// One entry under `assistants:`: a named model on a provider — or several, as `targets:` — with
/// its generation defaults.
public struct AssistantSettings: Sendable {
    /// The assistant's key under `assistants:`, such as `default`.
    public var id: String
    /// A display name; the id unless `name:` is given.
    public var name: String
    /// A description for listings; empty unless `description:` is given.
    public var description: String
    /// The provider of the first primary target (with `provider:`/`model:`, the only one).
    public var provider: String
    /// The model of the first primary target; never empty.
    public var model: String
    /// Where requests go, in file order (`targets:`, or the one target `provider:`/`model:`
    /// make): primaries are chosen by weight, fallbacks tried in this order. Never empty; at
    /// least one is a primary.
    public var targets: [AssistantTarget]
    /// Sampling temperature, 0...2 (`temperature:`).
    public var temperature: Double?
    /// The most tokens to generate, at least 1 (`max_tokens:`).
    public var maxTokens: Int?
    /// Nucleus sampling mass, 0...1 (`top_p:`).
    public var topP: Double?
    /// A system prompt placed before the conversation (`system_prompt:`).
    public var systemPrompt: String?
    /// How many stored messages (besides the system prompt) are sent to the provider at most
    /// (`max_conversation_length:`, default 50).
    public var maxConversationLength: Int
    /// Seconds of inactivity after which a conversation's context resets (`conversation_timeout:`,
    /// default 3600): older messages are kept but no longer sent.
    public var conversationTimeout: Int
    /// Limits for callers of this assistant (`limits:`); unlimited when not given.
    public var limits: RateLimitPolicy
    /// Other names clients may call the assistant by (`aliases:`): a `model` or `provider` hint
    /// matching one picks this assistant. Unique across the file, and never another assistant's id.
    public var aliases: [String]
    /// What clients may set themselves (`client_parameters:`).
    public var clientParameters: ClientParameterRules
    /// The response cache (`cache:`); nil, the default, caches nothing.
    public var cache: CacheSettings?
    /// Where the assistant's key is written.
    public var location: SourceLocation

    /// The default of `max_conversation_length`.
    public static let defaultMaxConversationLength = 50
    /// The default of `conversation_timeout`, in seconds.
    public static let defaultConversationTimeout = 3600

    /// Creates assistant settings; `name` defaults to `id`, `targets` to the one target
    /// `provider`/`model` make.
    public init(
        id: String,
        name: String? = nil,
        description: String = "",
        provider: String,
        model: String,
        targets: [AssistantTarget]? = nil,
        temperature: Double? = nil,
        maxTokens: Int? = nil,
        topP: Double? = nil,
        systemPrompt: String? = nil,
        maxConversationLength: Int = AssistantSettings.defaultMaxConversationLength,
        conversationTimeout: Int = AssistantSettings.defaultConversationTimeout,
        limits: RateLimitPolicy = .unlimited,
        aliases: [String] = [],
        clientParameters: ClientParameterRules = .default,
        cache: CacheSettings? = nil,
        location: SourceLocation
    ) {
        self.id = id
        self.name = name ?? id
        self.description = description
        self.provider = provider
        self.model = model
        self.targets = targets ?? [AssistantTarget(provider: provider, model: model, location: location)]
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.systemPrompt = systemPrompt
        self.maxConversationLength = maxConversationLength
        self.conversationTimeout = conversationTimeout
        self.limits = limits
        self.aliases = aliases
        self.clientParameters = clientParameters
        self.cache = cache
        self.location = location
    }
}

extension AssistantSettings {
    /// The assistant as one of its targets answers it: that target's provider and model, and
    /// its generation settings where it has its own.
    public func answering(with target: AssistantTarget) -> AssistantSettings {
        var settings = self
        settings.provider = target.provider
        settings.model = target.model
        if let temperature = target.temperature { settings.temperature = temperature }
        if let maxTokens = target.maxTokens { settings.maxTokens = maxTokens }
        if let topP = target.topP { settings.topP = topP }
        return settings
    }
}
