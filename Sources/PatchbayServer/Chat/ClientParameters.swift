import Logging
import PatchbayConfig

/// Generation parameters a client asked for. The assistant's `client_parameters:` decide which
/// apply: one not allowed is ignored (logged at debug), one past a bound is brought back to it.
public struct ClientParameters: Sendable, Equatable {
    /// Sampling temperature.
    public var temperature: Double?
    /// Nucleus sampling.
    public var topP: Double?
    /// The most tokens the reply may have.
    public var maxTokens: Int?
    /// A system prompt to use instead of the assistant's.
    public var systemPrompt: String?
    /// Stop sequences.
    public var stop: [String]?

    /// Creates parameters; every one unset by default.
    public init(temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil, systemPrompt: String? = nil, stop: [String]? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.systemPrompt = systemPrompt
        self.stop = stop
    }

    /// What the provider is asked for: the assistant's settings, with what the client may set in their place.
    func applied(to assistant: AssistantSettings, logger: Logger) -> ClientParameters {
        let rules = assistant.clientParameters
        func ignored(_ name: String) {
            logger.debug("client parameter ignored: the assistant does not allow it", metadata: ["parameter": .string(name)])
        }
        func pick(_ asked: Double?, _ name: String, within range: ClosedRange<Double>?, default value: Double?) -> Double? {
            guard let asked else { return value }
            guard let range else { ignored(name); return value }
            return min(max(asked, range.lowerBound), range.upperBound)
        }
        var result = ClientParameters(
            temperature: pick(temperature, "temperature", within: rules.temperature, default: assistant.temperature),
            topP: pick(topP, "top_p", within: rules.topP, default: assistant.topP),
            maxTokens: assistant.maxTokens, systemPrompt: assistant.systemPrompt
        )
        if let maxTokens {
            if let bound = rules.maxTokens { result.maxTokens = max(1, min(maxTokens, bound)) } else { ignored("max_tokens") }
        }
        if let systemPrompt {
            if rules.systemPrompt { result.systemPrompt = systemPrompt } else { ignored("system_prompt") }
        }
        if let stop, !stop.isEmpty {
            if rules.stop { result.stop = stop } else { ignored("stop") }
        }
        return result
    }
}
