import Hummingbird
import PatchbayConfig

/// Seed 004's API under `/api/v1`: `POST chat/completion`, `POST chat/stream`, `GET models` and
/// `GET models/{id}`, with 004's error shape. The models are the assistants the caller may use,
/// described by providers.yaml's `models:` section.
struct APIv1Controller: Sendable {
    let turns: ChatTurns

    func addRoutes(to v1: some RouterMethods<PatchbayRequestContext>) {
        let chat = v1.group("chat").add(middleware: ForeignOriginRefusal())
        chat.post("completion") { request, context in
            try await turns.answer(request, context: context, as: CompletionRequest.self, errors: APIv1Error.self)
        }
        chat.post("stream") { request, context in
            try await turns.answer(request, context: context, as: CompletionRequest.self, errors: APIv1Error.self, alwaysStream: true)
        }
        v1.get("models") { _, context in try JSONResponse.make(Self.models(context)) }
        v1.get("models/:model_id") { _, context in
            let id = try context.parameters.require("model_id")
            guard let model = Self.models(context).first(where: { $0.id == id }) else {
                throw APIError(.notFound, "No model '\(id)'. GET /api/v1/models lists the models you may use.", field: "model_id")
            }
            return try JSONResponse.make(model)
        }
    }

    /// The assistants this caller's key may use, as 004's model objects.
    private static func models(_ context: PatchbayRequestContext) -> [ModelObject] {
        let settings = context.settings
        return settings.routes.assistants
            .filter { context.apiKey?.assistants?.contains($0.assistant.id) ?? true }
            .map { ModelObject($0.assistant, provider: $0.provider.name, available: $0.isAvailable,
                               described: settings.configuration.model(named: $0.assistant.model)) }
    }
}

/// One of 004's model objects: `id, name, provider, context_length, description, capabilities,
/// available, cost_per_token`. Unknown numbers are null rather than invented.
struct ModelObject: Encodable {
    var id: String
    var name: String
    var provider: String
    var model: String
    var contextLength: Int?
    var description: String
    var capabilities: [String]
    var available: Bool
    var costPerToken: (input: Double, output: Double)?

    init(_ assistant: AssistantSettings, provider: String, available: Bool, described: ModelDescription?) {
        id = assistant.id
        name = described?.name ?? assistant.name
        self.provider = provider
        model = assistant.model
        contextLength = described?.contextLength
        description = assistant.description.isEmpty ? described?.description ?? "" : assistant.description
        capabilities = described?.capabilities ?? ["chat"]
        self.available = available
        costPerToken = described?.costPerToken
    }

    private enum Keys: String, CodingKey {
        case id, name, provider, model, context_length, description, capabilities, available, cost_per_token, input, output
    }

    func encode(to encoder: any Encoder) throws {
        var object = encoder.container(keyedBy: Keys.self)
        try object.encode(id, forKey: .id)
        try object.encode(name, forKey: .name)
        try object.encode(provider, forKey: .provider)
        try object.encode(model, forKey: .model)
        try object.encode(contextLength, forKey: .context_length)
        try object.encode(description, forKey: .description)
        try object.encode(capabilities, forKey: .capabilities)
        try object.encode(available, forKey: .available)
        if let costPerToken {
            var cost = object.nestedContainer(keyedBy: Keys.self, forKey: .cost_per_token)
            try cost.encode(costPerToken.input, forKey: .input)
            try cost.encode(costPerToken.output, forKey: .output)
        } else {
            try object.encodeNil(forKey: .cost_per_token)
        }
    }
}
