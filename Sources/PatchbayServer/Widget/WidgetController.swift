import Foundation
import HTTPTypes
import Hummingbird

/// `GET /` (the demo page) and `GET /widget/:file` (and `HEAD` of both) (`chat-bot.js`, and the demo's script and
/// style): static files from memory, with an ETag and a short cache lifetime so a new widget
/// reaches embedding pages within minutes.
struct WidgetController: Sendable {
    let assets: WidgetAssets

    /// Browsers may reuse a file this long before asking again (and then get a 304 if unchanged).
    static let cacheControl = "public, max-age=300"

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>) {
        router.get("/", use: demoPage)
        router.get("/widget/:file", use: file)
        router.head("/", use: demoPage)
        router.head("/widget/:file", use: file)
    }

    @Sendable func demoPage(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try serve("index.html", request: request)
    }

    @Sendable func file(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try serve(try context.parameters.require("file"), request: request)
    }

    private func serve(_ name: String, request: Request) throws -> Response {
        guard let file = assets.files[name] else { throw APIError(.notFound, "No such file.") }
        var headers: HTTPFields = [.eTag: file.etag, .cacheControl: Self.cacheControl]
        if let validators = request.headers[.ifNoneMatch], EntityTag.matches(validators, etag: file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        guard request.method != .head else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.body))
    }
}
