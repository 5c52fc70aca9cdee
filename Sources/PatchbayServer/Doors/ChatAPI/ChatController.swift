import Hummingbird
import NIOCore

/// `POST /api/chat` and `POST /api/chat/stream`: the widget API's door to a chat turn — a
/// `{messages}` or `{message, history}` body in, `{content, done}` SSE frames or one JSON body out.
struct ChatController: Sendable {
    let turns: ChatTurns

    func addRoutes(to api: some RouterMethods<PatchbayRequestContext>) {
        let chat = api.group().add(middleware: ForeignOriginRefusal())
        chat.post("chat") { try await answer($0, $1, alwaysStream: false) }
        // 002's and 003's streaming route: the same turn, always streamed.
        chat.post("chat/stream") { try await answer($0, $1, alwaysStream: true) }
    }

    func answer(_ request: Request, _ context: PatchbayRequestContext, alwaysStream: Bool) async throws -> Response {
        var request = request
        let settings = context.settings
        let acceptsEventStream = request.headers[.accept]?.contains("text/event-stream") ?? false
        var chat = try ChatRequest.decode(try await request.collectBody(limit: settings.maxBodyBytes), limits: settings.inputLimits,
                                          acceptsEventStream: acceptsEventStream)
        if alwaysStream { chat.stream = true }
        do {
            return try await turns.respond(to: chat.turnRequest(routes: settings.routes), request: request, context: context, encoder: ChatReply.init)
        } catch {
            throw APIError(error)
        }
    }
}
