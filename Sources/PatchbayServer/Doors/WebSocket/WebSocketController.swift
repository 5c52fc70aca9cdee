import Hummingbird
import PatchbayRateLimit

/// `GET /ws/chat`: 004's WebSocket door. Everything is decided before the upgrade, by the route
/// group's middleware and here, so a refused client gets a real HTTP answer (401, 429) instead
/// of a socket that closes at once. An accepted socket runs a ``WebSocketChatSession``.
struct WebSocketController: Sendable {
    let turns: ChatTurns
    let limiter: RateLimiter
    let metrics: PatchbayMetrics
    /// Each chat on a socket reads the live settings in force when it starts.
    let settings: ReloadableSettings
    /// The largest message a client may send (a start-up setting: the frame decoder's limit too).
    let maxMessageBytes: Int

    func addRoutes(to ws: some RouterMethods<PatchbayRequestContext>) {
        ws.get("chat", use: upgrade)
    }

    @Sendable func upgrade(request: Request, context: PatchbayRequestContext) async throws -> Response {
        guard let upgrade = context.webSocketUpgrade else {
            // A plain GET (no upgrade headers, or invalid ones): say what this endpoint is.
            throw APIError(.invalidRequest, "/ws/chat is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket).")
        }
        try await admitConnection(context: context)
        let session = WebSocketChatSession(
            turns: turns, settings: settings, key: context.apiKey, caller: context.caller, maxMessageBytes: maxMessageBytes,
            maxChats: context.settings.webSocketMaxChatsPerSocket, logger: context.logger)
        upgrade.accept { inbound, outbound, _ in
            try await session.run(inbound: inbound, outbound: outbound)
        }
        context.logger.debug("websocket accepted")
        return Response(status: .switchingProtocols)
    }

    /// Counts a new connection against the caller's per-minute allowance
    /// (`limits.websocket_connections_per_minute`), or refuses it with 429. The decision goes on
    /// the response's `X-RateLimit-*` and `Retry-After` headers.
    private func admitConnection(context: PatchbayRequestContext) async throws {
        let caller = context.caller
        let check = RateLimitCheck(key: "websocket|" + caller.key, policy: context.settings.webSocketConnections)
        let decision: RateLimitDecision
        do {
            decision = try await limiter.acquire([check], onStoreFailure: context.settings.configuration.limitStore.onFailure, logger: context.logger)
        } catch {
            throw APIError(.limitsUnavailable, RateLimiter.LimitsUnavailable.message)
        }
        caller.decision = decision
        guard decision.allowed else {
            metrics.rateLimitRefused(limit: "websocket_connections")
            context.logger.notice("refused: too many WebSocket connections for this caller")
            let wait = decision.retryAfterSeconds.map { " Please try again in \($0) seconds." } ?? ""
            throw APIError(.rateLimited, "Too many WebSocket connections.\(wait)")
        }
    }
}
