import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/chat`: the widget API's door to a chat turn — a `{messages}` or `{message,
/// history}` body in, `{content, done}` SSE frames or one JSON body out.
struct ChatController: Sendable {
    let turns: ChatTurns

    func addRoutes(to api: some RouterMethods<PatchbayRequestContext>) {
        api.post("chat", use: chat)
    }

    @Sendable func chat(request: Request, context: PatchbayRequestContext) async throws -> Response {
        var request = request
        let settings = context.settings
        let chat = try ChatRequest.decode(try await request.collectBody(limit: settings.maxBodyBytes), limits: settings.inputLimits)
        let turn: ChatTurn
        do {
            turn = try await turns.start(chat.turnRequest, caller: context.turnCaller, settings: settings)
        } catch {
            throw APIError(error)
        }
        var headers: HTTPFields = [:]
        if let id = turn.metadata.conversationID { headers[.xConversationID] = id }
        let reply = ChatReply(metadata: turn.metadata)
        guard chat.stream else {
            do {
                let body = reply.jsonBody(try await turn.collect())
                headers[.contentType] = "application/json; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            } catch {
                throw APIError(error)
            }
        }
        return TurnEventStream.response(turn, request: request, headers: headers, logger: context.logger, encoder: reply)
    }
}
