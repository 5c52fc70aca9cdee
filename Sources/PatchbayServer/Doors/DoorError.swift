import HTTPTypes
import Hummingbird
import NIOCore

/// An error in one door's wire shape (OpenAI's, Anthropic's), made from the widget API's error
/// or a turn's, so that each SDK raises its own exception class.
protocol DoorError: Error {
    /// The door's form of an error of the widget API (authentication, limits, bodies).
    init(_ error: APIError)
    var status: HTTPResponse.Status { get }
    var headers: HTTPFields { get }
    /// The JSON body.
    var body: String { get }
}

extension DoorError {
    /// The door's form of a turn's error.
    init(_ error: TurnError) { self.init(APIError(error)) }

    var response: Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// On a door's routes: whatever is refused inside (authentication included) reaches the client
/// in the door's error shape.
struct DoorErrorMiddleware<Shape: DoorError>: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Shape(RequestIDMiddleware.apiError(for: error, logger: context.logger)).response
        }
    }
}

/// A chat request in one door's wire format: its turn, and how the door writes the reply.
protocol DoorRequest {
    associatedtype Encoder: TurnEventEncoder
    /// Decodes a body; every refusal names the member at fault.
    /// - Parameter conversationID: the `X-Conversation-ID` header, if sent.
    init(_ body: ByteBuffer, conversationID: String?, limits: ChatInputLimits) throws(TurnError)
    /// The turn it asks for.
    var turn: TurnRequest { get }
    /// The door's encoder for the turn, once it has started.
    func encoder(for metadata: TurnMetadata) -> Encoder
}

extension ChatTurns {
    /// A whole door's route: the body read within the live limit, decoded as `Wire`, the turn run
    /// and answered — and any refusal or failure in the door's own error shape.
    func answer<Wire: DoorRequest, Shape: DoorError>(
        _ request: Request, context: PatchbayRequestContext, as wire: Wire.Type, errors shape: Shape.Type
    ) async throws -> Response {
        var request = request
        let settings = context.settings
        let body = try await request.collectBody(limit: settings.maxBodyBytes)
        do {
            let chat = try Wire(body, conversationID: request.headers[.xConversationID], limits: settings.inputLimits)
            return try await respond(to: chat.turn, request: request, context: context, encoder: chat.encoder)
        } catch {
            return Shape(error).response
        }
    }
}
