import Hummingbird

/// The Anthropic-compatible door: `POST /v1/messages`, with assistants as the models. The
/// Anthropic SDK pointed at the server's root works (the key as `x-api-key` or a bearer token).
struct AnthropicController: Sendable {
    let turns: ChatTurns

    func addRoutes(to v1: some RouterMethods<PatchbayRequestContext>) {
        v1.group().add(middleware: ForeignOriginRefusal()).post("messages", use: messages)
    }

    @Sendable func messages(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await turns.answer(request, context: context, as: AnthropicMessagesRequest.self, errors: AnthropicError.self)
    }
}
