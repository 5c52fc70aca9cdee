import Hummingbird
import NIOCore

/// `GET /openapi.json`: the API's OpenAPI 3.1 document.
struct OpenAPIController: Sendable {
    /// The document's bytes, made once.
    private static let body = ByteBuffer(string: OpenAPIDocument.json)

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>) {
        router.get("/openapi.json", use: document)
    }

    @Sendable func document(request: Request, context: PatchbayRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: Self.body))
    }
}
