import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /openapi.json`: the API's OpenAPI 3.1 document, from memory, with an ETag (304 when unchanged).
struct OpenAPIController: Sendable {
    /// The document; nil when the server was installed without it (then the route is 404).
    let document: OpenAPIDocument?

    /// Clients may keep the document but must revalidate it (a cheap 304), so an upgraded server's
    /// document is seen at once.
    static let cacheControl = "no-cache"

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>) {
        router.get("/openapi.json", use: serve)
    }

    @Sendable func serve(request: Request, context: PatchbayRequestContext) async throws -> Response {
        guard let document else { throw APIError(.notFound, "This server was installed without its OpenAPI document.") }
        var headers: HTTPFields = [.eTag: document.etag, .cacheControl: Self.cacheControl]
        if let validators = request.headers[.ifNoneMatch], EntityTag.matches(validators, etag: document.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: document.body))
    }
}
