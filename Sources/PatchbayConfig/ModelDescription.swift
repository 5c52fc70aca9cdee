/// One entry under `models:`: what clients are told about an upstream model (seed 004's model
/// objects). Keyed by the model name assistants use (`gpt-4o-mini`); every field optional.
public struct ModelDescription: Sendable, Equatable {
    /// The upstream model's name, the key under `models:`.
    public var id: String
    /// A display name (`name:`).
    public var name: String?
    /// A description for listings (`description:`).
    public var description: String?
    /// The context window, in tokens (`context_length:`).
    public var contextLength: Int?
    /// What the model is good for (`capabilities:`), such as `chat`, `code`, `analysis`.
    public var capabilities: [String]?
    /// The price per input and per output token (`cost_per_token: {input, output}`), in whatever
    /// currency unit the operator bills in.
    public var costPerToken: (input: Double, output: Double)?

    /// Creates a description.
    public init(id: String, name: String? = nil, description: String? = nil, contextLength: Int? = nil,
                capabilities: [String]? = nil, costPerToken: (input: Double, output: Double)? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.contextLength = contextLength
        self.capabilities = capabilities
        self.costPerToken = costPerToken
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.id == b.id && a.name == b.name && a.description == b.description && a.contextLength == b.contextLength
            && a.capabilities == b.capabilities && a.costPerToken?.input == b.costPerToken?.input && a.costPerToken?.output == b.costPerToken?.output
    }
}
