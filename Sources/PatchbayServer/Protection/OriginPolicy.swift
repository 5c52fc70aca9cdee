import HTTPTypes
import Hummingbird

/// Cross-origin rules for browsers: an allow-list of origins (`server.cors_origins`, or the
/// `ALLOWED_ORIGINS` environment variable), read from the live settings of each request.
///
/// A request without `Origin` (curl, a server) and a same-origin request (the host's own demo
/// page) are not cross-origin and pass.
enum OriginPolicy {
    static let allowedMethods = "GET, POST, DELETE, OPTIONS"
    static let allowedHeaders = "Content-Type, Authorization, X-API-Key, X-Request-ID, Cache-Control"
    /// What a widget may read from a response besides the safelisted headers.
    static let exposedHeaders =
        "X-Request-ID, X-Conversation-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Process-Time, "
        + "X-Patchbay-Provider, X-Patchbay-Model, X-Cache-Status"

    private static let hostField = HTTPField.Name("Host")!

    /// A cross-origin request's origin and whether the allow-list grants it; nil for a request
    /// that is not cross-origin.
    static func crossOrigin(_ request: Request, settings: LiveSettings) -> (origin: String, allowed: Bool)? {
        guard let origin = request.headers[.origin], !isSameOrigin(origin, request: request), !isWebSocketClient(origin) else { return nil }
        let allowed = settings.allowedOrigins
        return (origin, allowed.contains("*") || allowed.contains(normalize(origin)))
    }

    /// `Origin` names the host the request was sent to: the page came from this server.
    private static func isSameOrigin(_ origin: String, request: Request) -> Bool {
        // HTTP/1's Host header becomes the authority; fall back to the header where it did not.
        guard let host = request.head.authority ?? request.headers[hostField] else { return false }
        let normalized = normalize(origin)
        return normalized == "http://\(host.lowercased())" || normalized == "https://\(host.lowercased())"
    }

    /// `ws://host` or `wss://host`: what WebSocket client libraries send (hummingbird's, for one).
    /// No browser page has such an origin (a page's is http, https or "null"), so it is no
    /// browser's cross-origin call.
    private static func isWebSocketClient(_ origin: String) -> Bool {
        let origin = origin.lowercased()
        return origin.hasPrefix("ws://") || origin.hasPrefix("wss://")
    }

    /// Origins compare case-insensitively, without a trailing slash.
    static func normalize(_ origin: String) -> String {
        var origin = origin.lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin
    }

    static func refusal() -> APIError {
        APIError(.forbidden, "This origin may not call this server.", field: "Origin")
    }
}

/// Answers CORS preflights and grants allowed origins on every response. A disallowed origin's
/// request is still served (without a grant the browser will not show it), except where a
/// ``ForeignOriginRefusal`` guards the route.
struct CORSMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (origin, allowed) = OriginPolicy.crossOrigin(request, settings: context.settings) else {
            return try await next(request, context)
        }
        let any = context.settings.allowedOrigins.contains("*")
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else { throw OriginPolicy.refusal() }
            var response = Response(status: .noContent)
            Self.grant(origin, any: any, to: &response.headers)
            response.headers[.accessControlAllowMethods] = OriginPolicy.allowedMethods
            response.headers[.accessControlAllowHeaders] = OriginPolicy.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        guard allowed else { return try await next(request, context) }
        var response = try await next(request, context)
        Self.grant(origin, any: any, to: &response.headers)
        response.headers[.accessControlExposeHeaders] = OriginPolicy.exposedHeaders
        return response
    }

    private static func grant(_ origin: String, any: Bool, to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = any ? "*" : origin
        headers[.vary] = "Origin"
    }
}

/// Refuses a cross-origin request from an origin the allow-list does not grant, with 403: on
/// the chat doors, so a foreign page cannot spend the operator's provider budget through a
/// visitor's browser.
struct ForeignOriginRefusal: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let (_, allowed) = OriginPolicy.crossOrigin(request, settings: context.settings), !allowed {
            throw OriginPolicy.refusal()
        }
        return try await next(request, context)
    }
}
