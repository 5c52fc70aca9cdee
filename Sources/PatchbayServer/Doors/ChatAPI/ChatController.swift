import Hummingbird
import NIOCore

/// `POST /api/chat`: the widget API's door to a chat turn — a `{messages}` or `{message,
/// history}` body in, `{content, done}` SSE frames or one JSON body out.
struct ChatController: Sendable {
    let turns: ChatTurns

    func addRoutes(to api: some RouterMethods<PatchbayRequestContext>) {
        api.group().add(middleware: ForeignOriginRefusal()).post("chat", use: chat)
    }

    @Sendable func chat(request: Request, context: PatchbayRequestContext) async throws -> Response {
        var request = request
        let settings = context.settings
        let chat = try ChatRequest.decode(try await request.collectBody(limit: settings.maxBodyBytes), limits: settings.inputLimits)
        do {
            return try await turns.respond(to: chat.turnRequest, request: request, context: context, encoder: ChatReply.init)
        } catch {
            throw APIError(error)
        }
    }
}
