import HTTPTypes
import Hummingbird

/// When `auth.enabled`, every `/api/` and `/admin/` request must present a key: `Authorization: Bearer <key>`
/// or `X-API-Key: <key>`. 401 UNAUTHORIZED without a valid one. The key's id becomes the caller
/// id; which assistants it may use is checked by the chat route (403 FORBIDDEN).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    let keys: APIKeyRing

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard keys.enabled, request.uri.path.hasPrefix("/api/") || request.uri.path.hasPrefix("/admin/") else {
            return try await next(request, context)
        }
        guard let presented = Self.presentedKey(request.headers) else {
            throw APIError(.unauthorized, "An API key is required: send Authorization: Bearer <key> or X-API-Key: <key>.")
        }
        guard let key = keys.authenticate(presented) else {
            throw APIError(.unauthorized, "The API key is not valid.")
        }
        var context = context
        context.apiKey = key
        context.caller.apiKey = key
        context.logger[metadataKey: "caller.id"] = .string(key.id)
        context.requestLog.set("caller.id", .string(key.id))
        return try await next(request, context)
    }

    /// The key from `Authorization: Bearer …`, else `X-API-Key`.
    static func presentedKey(_ headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                if !key.isEmpty { return key }
            }
        }
        if let key = headers[.xAPIKey]?.trimmingCharacters(in: .whitespaces), !key.isEmpty { return key }
        return nil
    }
}

extension HTTPField.Name {
    /// `X-API-Key`.
    static let xAPIKey = Self("X-API-Key")!
}
