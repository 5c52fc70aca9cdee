import HTTPTypes
import Hummingbird

/// Cross-origin rules for browsers: an allow-list of origins (`server.cors_origins`, or the
/// `ALLOWED_ORIGINS` environment variable), preflight answered, and no CORS grant to any other
/// origin — whose `POST /api/chat` is refused outright with 403, so a foreign page cannot spend
/// the operator's provider budget through a visitor's browser.
///
/// A request without `Origin` (curl, a server) and a same-origin request (the host's own demo
/// page) are not cross-origin and pass.
struct OriginPolicyMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    /// Allowed origins, as `scheme://host[:port]`; `*` allows any.
    let allowedOrigins: Set<String>

    static let allowedMethods = "GET, POST, DELETE, OPTIONS"
    static let allowedHeaders = "Content-Type, Authorization, X-API-Key, X-Request-ID"
    /// What a widget may read from a response besides the safelisted headers.
    static let exposedHeaders =
        "X-Request-ID, X-Conversation-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Process-Time"

    private static let hostField = HTTPField.Name("Host")!

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins.map { Self.normalize($0) })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], !isSameOrigin(origin, request: request) else {
            return try await next(request, context)
        }
        let allowed = allowedOrigins.contains("*") || allowedOrigins.contains(Self.normalize(origin))
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                throw APIError(.forbidden, "This origin may not call this server.", field: "Origin")
            }
            var response = Response(status: .noContent)
            grant(origin, to: &response.headers)
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        guard allowed else {
            if request.uri.path == "/api/chat" {
                throw APIError(.forbidden, "This origin may not call this server.", field: "Origin")
            }
            return try await next(request, context)  // served, but without a grant the browser will not show it
        }
        var response = try await next(request, context)
        grant(origin, to: &response.headers)
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        return response
    }

    private func grant(_ origin: String, to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = allowedOrigins.contains("*") ? "*" : origin
        headers[.vary] = "Origin"
    }

    /// `Origin` names the host the request was sent to: the page came from this server.
    private func isSameOrigin(_ origin: String, request: Request) -> Bool {
        // HTTP/1's Host header becomes the authority; fall back to the header where it did not.
        guard let host = request.head.authority ?? request.headers[Self.hostField] else { return false }
        let normalized = Self.normalize(origin)
        return normalized == "http://\(host.lowercased())" || normalized == "https://\(host.lowercased())"
    }

    /// Origins compare case-insensitively, without a trailing slash.
    static func normalize(_ origin: String) -> String {
        var origin = origin.lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin
    }
}
