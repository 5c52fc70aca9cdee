import Hummingbird

/// The Anthropic-compatible door: `POST /v1/messages`, with assistants as the models. The
/// Anthropic SDK pointed at the server's root works (the key as `x-api-key` or a bearer token).
struct AnthropicController: Sendable {
    let turns: ChatTurns

    func addRoutes(to v1: some RouterMethods<PatchbayRequestContext>) {
        v1.group().add(middleware: ForeignOriginRefusal()).post("messages", use: messages)
    }

    @Sendable func messages(request: Request, context: PatchbayRequestContext) async throws -> Response {
        var request = request
        let settings = context.settings
        let body = try await request.collectBody(limit: settings.maxBodyBytes)
        do {
            let chat = try AnthropicMessagesRequest(body, conversationID: request.headers[.xConversationID], limits: settings.inputLimits)
            return try await turns.respond(to: chat.turn, request: request, context: context) { AnthropicEvents(metadata: $0, model: chat.model) }
        } catch {
            return AnthropicError(error).response
        }
    }
}
