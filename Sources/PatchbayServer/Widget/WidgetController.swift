import Foundation
import HTTPTypes
import Hummingbird

/// `GET /` (the demo page) and `GET /widget/:file` (and `HEAD` of both) (`chat-bot.js`, and the demo's script and
/// style): static files from memory, with an ETag and a short cache lifetime so a new widget
/// reaches embedding pages within minutes.
struct WidgetController: Sendable {
    let assets: StaticAssets

    /// Browsers may reuse a file this long before asking again (and then get a 304 if unchanged).
    static let cacheControl = "public, max-age=300"

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>) {
        router.get("/", use: demoPage)
        router.get("/widget/:file", use: file)
        router.head("/", use: demoPage)
        router.head("/widget/:file", use: file)
    }

    @Sendable func demoPage(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try assets.response(for: "index.html", request: request, cacheControl: Self.cacheControl)
    }

    @Sendable func file(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try assets.response(for: try context.parameters.require("file"), request: request, cacheControl: Self.cacheControl)
    }
}
