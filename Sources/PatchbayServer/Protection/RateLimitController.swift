import Foundation
import Hummingbird
import PatchbayConfig
import PatchbayRateLimit

/// `GET /api/rate-limit`: the limits that apply to the caller and what remains of each, counting
/// nothing.
struct RateLimitController: Sendable {
    let limiter: RateLimiter

    func addRoutes(to api: some RouterMethods<PatchbayRequestContext>) {
        api.get("rate-limit", use: show)
    }

    struct Limits: Encodable {
        var requestsPerMinute: Int?, requestsPerHour: Int?, requestsPerDay: Int?, tokensPerDay: Int?, burst: Int?
        init(_ policy: RateLimitPolicy) {
            (requestsPerMinute, requestsPerHour, requestsPerDay, tokensPerDay, burst) =
                (policy.requestsPerMinute, policy.requestsPerHour, policy.requestsPerDay, policy.tokensPerDay, policy.burst)
        }
    }

    struct Window: Encodable {
        /// minute, hour, day, burst or tokens_day.
        var window: String
        var limit: Int
        var remaining: Int
        /// When the window resets (the burst bucket: when it is full again), epoch seconds.
        var reset: Int
        /// Set when the window admits no request now: seconds until it does.
        var retryAfterSeconds: Int?
    }

    struct Scope: Encodable {
        var limits: Limits
        /// Whether a chat turn made now would pass this scope's limits.
        var allowed: Bool
        var windows: [Window]
    }

    struct AssistantScope: Encodable {
        var assistantType: String
        var limits: Limits
        var allowed: Bool
        var windows: [Window]
    }

    struct Report: Encodable {
        struct Caller: Encodable {
            /// `key` (an API key's id) or `address` (the client address).
            var kind: String
            var id: String
        }
        var caller: Caller
        /// The caller's limits across every assistant.
        var overall: Scope
        /// Assistants with limits of their own, counted per caller on top of `overall`.
        var assistants: [AssistantScope]
        /// `server.max_streams_per_caller`; absent when there is no cap.
        var maxConcurrentStreams: Int?
        var openStreams: Int
    }

    @Sendable func show(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let routes = context.settings.routes
        let caller = context.caller
        let key = caller.apiKey
        let overallPolicy = limiter.callerPolicy(global: routes.configuration.limits, key: key)
        let overall = try await scope(key: caller.key, policy: overallPolicy, context: context)
        var assistants: [AssistantScope] = []
        for route in routes.assistants where !route.assistant.limits.isUnlimited {
            if let allowed = key?.assistants, !allowed.contains(route.assistant.id) { continue }
            let scoped = try await scope(key: RateLimitKey.scoped(caller.key, assistant: route.assistant.id), policy: route.assistant.limits, context: context)
            assistants.append(AssistantScope(assistantType: route.assistant.id, limits: scoped.limits, allowed: scoped.allowed, windows: scoped.windows))
        }
        let report = Report(
            caller: key.map { .init(kind: "key", id: $0.id) } ?? .init(kind: "address", id: caller.address),
            overall: overall,
            assistants: assistants,
            maxConcurrentStreams: context.settings.maxStreamsPerCaller,
            openStreams: limiter.streams.count(for: caller.key)
        )
        var response = try JSONResponse.make(report)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func scope(key: String, policy: RateLimitPolicy, context: PatchbayRequestContext) async throws -> Scope {
        let onStoreFailure = context.settings.configuration.limitStore.onFailure
        guard let decision = await limiter.status(key: key, policy: policy, onStoreFailure: onStoreFailure, logger: context.logger) else {
            throw APIError(.limitsUnavailable, "Rate limits cannot be read right now. Please try again in a moment.")
        }
        return Scope(
            limits: Limits(policy),
            allowed: decision.allowed,
            windows: decision.windows.map { status in
                Window(window: status.name, limit: status.limit, remaining: status.remaining,
                       reset: Int(status.resetAt.timeIntervalSince1970.rounded(.up)),
                       retryAfterSeconds: status.retryAfterSeconds)
            }
        )
    }
}
