import HTTPTypes
import Hummingbird
import PatchbayConfig
import PatchbayRateLimit

/// On the route groups it guards (`/api`, `/admin`), when `auth.enabled`: every request must
/// present a key, `Authorization: Bearer <key>` or `X-API-Key: <key>`; 401 UNAUTHORIZED without a
/// valid one. The keys are the request's live settings', so a reload that adds a key or turns
/// auth on applies to the next request. The key's id becomes the caller id; which assistants it
/// may use is checked by the chat turn (403 FORBIDDEN). Wrong keys are counted per client
/// address (see ``AuthFailureLimiter``).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    let failures: AuthFailureLimiter
    /// Whether the key may also come as `?token=<key>`: for WebSocket clients (004's), since
    /// browsers cannot set headers on a WebSocket handshake. The access log never shows a query.
    var acceptsQueryToken = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let keys = context.settings.keys
        guard keys.enabled else {
            return try await next(request, context)
        }
        // The address as resolved through trusted_proxies by the rate-limit middleware.
        let address = context.caller.address
        let limit = context.settings.configuration.auth.maxFailuresPerMinute
        if let wait = failures.wait(for: address, limit: limit) {
            var error = APIError(.rateLimited, "Too many wrong API keys from this address; try again later.")
            error.headers[.retryAfter] = String(RateLimitWindowStatus.wholeSeconds(wait))
            throw error
        }
        let token = acceptsQueryToken ? request.uri.queryParameters["token"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } : nil
        guard let presented = Self.presentedKey(request.headers) ?? token else {
            let ways = acceptsQueryToken ? "add ?token=<key> to the URL, or send" : "send"
            throw APIError(.unauthorized, "An API key is required: \(ways) Authorization: Bearer <key> or X-API-Key: <key>.")
        }
        guard let key = keys.authenticate(presented) else {
            if failures.recordFailure(from: address, limit: limit) {
                context.logger.warning("too many wrong API keys; refusing the address for a minute", metadata: ["client.address": .string(address)])
            }
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

/// On the admin routes: with auth enabled, only a key marked `admin: true`, on either listener.
/// Without auth, the admin listener lets in whoever can reach it (it is private by placement: a
/// loopback address or a Unix socket, by default), while the public port (with
/// `server.admin.on_public_port`) admits only a caller on this machine: the client address as
/// resolved through `trusted_proxies`, so that a reverse proxy on this machine does not make every
/// caller it forwards look local.
struct AdminAccessMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    /// The listener a router serves.
    enum Listener: Sendable {
        /// `server.admin`'s address.
        case admin
        /// The public port, with `server.admin.on_public_port` on.
        case publicPort
    }

    let listener: Listener

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.apiKey != nil || context.settings.keys.enabled {
            guard context.apiKey?.admin == true else {
                throw APIError(.forbidden, "This API key may not use the admin endpoints (it needs admin: true).")
            }
        } else if listener == .publicPort {
            guard Self.isLoopback(context.caller.address) else {
                throw APIError(.forbidden, "The admin endpoints answer callers on this machine only, or an admin API key.")
            }
        }
        return try await next(request, context)
    }

    /// 127.0.0.0/8 and ::1 (an IPv4-mapped 127.x address matches the first).
    private static let loopback = ["127.0.0.0/8", "::1/128"].compactMap(IPNetwork.init)

    static func isLoopback(_ address: String) -> Bool {
        loopback.contains { $0.contains(address) }
    }
}
