import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayJSON

/// The OpenAI-compatible door: `POST /v1/chat/completions`, `GET /v1/models` and
/// `GET /v1/models/{id}`, with assistants as the models. Any OpenAI SDK pointed at `/v1` works.
struct OpenAIController: Sendable {
    let turns: ChatTurns
    /// `created` of every model: when the server started.
    let created = Int(Date().timeIntervalSince1970)

    func addRoutes(to v1: some RouterMethods<PatchbayRequestContext>) {
        v1.group().add(middleware: ForeignOriginRefusal()).post("chat/completions", use: completions)
        v1.get("models", use: models)
        v1.get("models/:id", use: model)
    }

    @Sendable func completions(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try await turns.answer(request, context: context, as: OpenAIChatRequest.self, errors: OpenAIError.self)
    }

    @Sendable func models(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let entries = context.settings.routes.assistants
            .filter { context.apiKey?.assistants?.contains($0.assistant.id) ?? true }
            .map { modelObject($0.assistant.id) }
        return Self.json(#"{"object":"list","data":["# + entries.joined(separator: ",") + "]}")
    }

    @Sendable func model(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let route = context.settings.routes.assistant(named: id),
              context.apiKey?.assistants?.contains(route.assistant.id) ?? true else {
            return OpenAIError(TurnError(.notFound, "The model '\(id)' does not exist or you do not have access to it.", field: "model")).response
        }
        return Self.json(modelObject(id))
    }

    private func modelObject(_ id: String) -> String {
        #"{"id":"# + JSONText.string(id) + #","object":"model","created":\#(created),"owned_by":"patchbay"}"#
    }

    private static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
