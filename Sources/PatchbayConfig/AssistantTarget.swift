/// One place an assistant's requests may go: a provider and model, with its share of the traffic
/// or its place among the fallbacks, and the generation settings this model needs in place of
/// the assistant's (an entry of an assistant's `targets:`).
///
/// ```yaml
/// targets:
///   - {provider: openai, model: gpt-4o-mini, weight: 3}
///   - {provider: openai-eu, model: gpt-4o-mini, weight: 1}
///   - {provider: anthropic, model: claude-haiku-4-5, fallback: true, max_tokens: 1024}
/// ```
/// An assistant written with `provider:` and `model:` has one primary target of weight 1.
public struct AssistantTarget: Sendable, Equatable {
    /// The key of a provider in the same file.
    public var provider: String
    /// The model name passed to the provider; never empty.
    public var model: String
    /// The target's share among the primary targets (`weight:`, 1...1000, default 1).
    public var weight: Int
    /// Whether the target is tried only after a primary failed (`fallback: true`), in file order.
    public var isFallback: Bool
    /// Sampling temperature for this target, in place of the assistant's (`temperature:`).
    public var temperature: Double?
    /// The most tokens to generate with this target, in place of the assistant's (`max_tokens:`).
    public var maxTokens: Int?
    /// Nucleus sampling mass for this target, in place of the assistant's (`top_p:`).
    public var topP: Double?
    /// Where the target is written.
    public var location: SourceLocation

    /// The keys a target's mapping may hold.
    public static let keys = ["provider", "model", "weight", "fallback", "temperature", "max_tokens", "top_p"]
    /// The largest `weight:`.
    public static let maxWeight = 1000

    /// Creates a target: a primary of weight 1 with no overrides unless given.
    public init(
        provider: String, model: String, weight: Int = 1, isFallback: Bool = false,
        temperature: Double? = nil, maxTokens: Int? = nil, topP: Double? = nil, location: SourceLocation
    ) {
        self.provider = provider
        self.model = model
        self.weight = weight
        self.isFallback = isFallback
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.topP = topP
        self.location = location
    }

    /// `provider/model`, as logs and messages name a target.
    public var name: String { "\(provider)/\(model)" }
}
