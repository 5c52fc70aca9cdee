import Foundation
import HTTPTypes
import Hummingbird

/// The host's two full pages, static files from memory like the widget's:
/// - `GET /chat`: the chat app (an installable PWA built on `<chat-bot>`), its web app manifest
///   `/chat/manifest.webmanifest`, its service worker `/chat/sw.js` and its scripts, style and
///   icons `/chat/:file`;
/// - `GET /docs`: the interactive API reference, rendered in the browser from `/openapi.json`,
///   and its scripts and style `/docs/:file`.
///
/// `HEAD` of each too. Pages, the manifest and the service worker must be revalidated (`no-cache`),
/// so a new version reaches an installed app at its next start; the rest is cached like the widget.
struct PageController: Sendable {
    let chat: StaticAssets
    let docs: StaticAssets

    /// The chat app's files (`Pages/ChatPage`) and the API reference's (`Pages/DocsPage`).
    static let bundled = PageController(chat: StaticAssets(directory: StaticAssets.resourceDirectory("ChatPage")),
                                        docs: StaticAssets(directory: StaticAssets.resourceDirectory("DocsPage")))

    /// What must be revalidated each time: the entry points whose URLs never change.
    static let revalidate = "no-cache"

    /// The service worker lives at `/chat/sw.js`, so by default it could control only `/chat/…`;
    /// this header lets it take the scope `/chat`, which holds the page itself.
    static let serviceWorkerScope = "/chat"

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>) {
        let routes: [(String, @Sendable (Request, PatchbayRequestContext) async throws -> Response)] = [
            ("/chat", chatPage), ("/chat/manifest.webmanifest", manifest), ("/chat/sw.js", serviceWorker), ("/chat/:file", chatFile),
            ("/docs", docsPage), ("/docs/:file", docsFile),
        ]
        for (path, handler) in routes {
            router.get(RouterPath(path), use: handler)
            router.head(RouterPath(path), use: handler)
        }
    }

    @Sendable func chatPage(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try chat.response(for: "index.html", request: request, cacheControl: Self.revalidate)
    }

    @Sendable func manifest(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try chat.response(for: "manifest.webmanifest", request: request, cacheControl: Self.revalidate)
    }

    @Sendable func serviceWorker(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try chat.response(for: "sw.js", request: request, cacheControl: Self.revalidate,
                          extraHeaders: [.serviceWorkerAllowed: Self.serviceWorkerScope])
    }

    @Sendable func chatFile(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try chat.response(for: try context.parameters.require("file"), request: request, cacheControl: WidgetController.cacheControl)
    }

    @Sendable func docsPage(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try docs.response(for: "index.html", request: request, cacheControl: Self.revalidate)
    }

    @Sendable func docsFile(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try docs.response(for: try context.parameters.require("file"), request: request, cacheControl: WidgetController.cacheControl)
    }
}

extension HTTPField.Name {
    /// `Service-Worker-Allowed`: the widest scope a service worker script may register for.
    static let serviceWorkerAllowed = Self("Service-Worker-Allowed")!
}
