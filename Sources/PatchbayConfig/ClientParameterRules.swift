/// Which generation parameters an assistant lets its clients set, and within what bounds (an
/// assistant's `client_parameters:`). The operator decides: a parameter not allowed is ignored
/// (and logged at debug), never an error, and a value past a bound is brought back to it.
///
/// ```yaml
/// client_parameters: {temperature: {max: 1.0}, max_tokens: {max: 1024}, top_p: true, system_prompt: false, stop: true}
/// ```
/// Without `client_parameters:`, clients may give stop sequences and nothing else.
public struct ClientParameterRules: Sendable, Equatable {
    /// The temperatures a client may ask for; nil: the assistant's own is always used.
    public var temperature: ClosedRange<Double>?
    /// The `top_p` values a client may ask for; nil: not allowed.
    public var topP: ClosedRange<Double>?
    /// The most tokens a client may ask for; nil: not allowed.
    public var maxTokens: Int?
    /// Whether a client's system prompt replaces the assistant's.
    public var systemPrompt: Bool
    /// Whether a client's stop sequences are passed on.
    public var stop: Bool

    /// Creates rules; by default only stop sequences are allowed.
    public init(
        temperature: ClosedRange<Double>? = nil, topP: ClosedRange<Double>? = nil, maxTokens: Int? = nil,
        systemPrompt: Bool = false, stop: Bool = true
    ) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.systemPrompt = systemPrompt
        self.stop = stop
    }

    /// The rules of an assistant without `client_parameters:`.
    public static let `default` = ClientParameterRules()

    /// The keys `client_parameters:` knows.
    static let keys = ["temperature", "top_p", "max_tokens", "system_prompt", "stop"]
}
