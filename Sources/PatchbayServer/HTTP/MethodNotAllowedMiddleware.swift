import HTTPTypes
import Hummingbird

/// 405 METHOD_NOT_ALLOWED, with `Allow`, for a request whose path has routes but none for its
/// method (`TRACE /health`, `PUT /api/chat`); a path with no route stays 404 NOT_FOUND.
///
/// Added to the router after every route: Hummingbird applies a middleware only to the routes
/// added after it, and to the not-found responder, so this one sees exactly the requests no
/// route answered, after the origin policy and authentication have had their say.
///
/// `OPTIONS` is the exception: the origin policy answers a CORS preflight on every path, so
/// OPTIONS is allowed everywhere, and one that is not a preflight stays 404 as documented.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    /// One routed path and the `Allow` value of its methods.
    struct RoutedPath: Sendable {
        let path: RouterPath
        let allow: String
    }

    let paths: [RoutedPath]
    /// Whether the router answers CORS preflights on every path (the public one does; the admin
    /// listener's has no CORS, so there OPTIONS is a method like any other).
    let answersPreflights: Bool

    /// The order methods are listed in `Allow`; any other comes after them.
    private static let order: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options]

    init(routes: [(method: HTTPRequest.Method, path: RouterPath)], answersPreflights: Bool = true) {
        self.answersPreflights = answersPreflights
        var methods: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in routes {
            methods[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        paths = methods.values.map { path, methods in
            let listed = answersPreflights ? methods.union([.options]) : methods
            let known = Self.order.filter(listed.contains)
            let others = listed.subtracting(Self.order).map(\.rawValue).sorted()
            return RoutedPath(path: path, allow: (known.map(\.rawValue) + others).joined(separator: ", "))
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !(answersPreflights && request.method == .options), let allow = allowedMethods(for: request.uri.path) else {
            return try await next(request, context)
        }
        var error = APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed here. Allowed: \(allow).")
        error.headers[.allow] = allow
        throw error
    }

    /// The `Allow` value of the routed path `path` matches, if one does.
    func allowedMethods(for path: String) -> String? {
        let segments = path.split(separator: "/")
        // The routes have no wildcards, so a match has as many segments as its pattern.
        return paths.first { routed in
            routed.path.components.count == segments.count && zip(routed.path.components, segments).allSatisfy { $0 ~= $1 }
        }?.allow
    }
}
