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
    /// Gives the error the request's id, for shapes that carry it (seed 004's).
    mutating func attach(requestID: String)
}

extension DoorError {
    /// The door's form of a turn's error.
    init(_ error: TurnError) { self.init(APIError(error)) }

    mutating func attach(requestID: String) {}

    /// The door's form of anything thrown while answering the request.
    static func response(for error: any Error, context: PatchbayRequestContext) -> Response {
        var shape = (error as? TurnError).map { Self($0) } ?? Self(RequestIDMiddleware.apiError(for: error, logger: context.logger))
        shape.attach(requestID: context.requestID)
        return shape.response
    }

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
            return Shape.response(for: error, context: context)
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
    /// - Parameter alwaysStream: streams whatever the body says (a door's streaming route).
    func answer<Wire: DoorRequest, Shape: DoorError>(
        _ request: Request, context: PatchbayRequestContext, as wire: Wire.Type, errors shape: Shape.Type, alwaysStream: Bool = false
    ) async throws -> Response {
        var request = request
        let settings = context.settings
        let body = try await request.collectBody(limit: settings.maxBodyBytes)
        do {
            let chat = try Wire(body, conversationID: request.headers[.xConversationID], limits: settings.inputLimits)
            var turn = chat.turn
            if alwaysStream { turn.stream = true }
            return try await respond(to: turn, request: request, context: context, encoder: chat.encoder)
        } catch {
            return Shape.response(for: error, context: context)
        }
    }
}
