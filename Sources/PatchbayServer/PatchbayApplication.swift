import Hummingbird
import Logging
import NIOCore
import PatchbayConfig
import PatchbayPluginHost

/// Builds Patchbay's HTTP application.
public enum PatchbayApplication {
    /// The router with every route and middleware, for tests and for `make`.
    /// - Parameters:
    ///   - server: body and input limits, allowed origins, HSTS.
    ///   - auth: the API keys callers must present, when enabled.
    public static func router(
        gateway: Gateway, server: ServerSettings = ServerSettings(), auth: AuthSettings = AuthSettings(),
        limiter: RateLimiter? = nil,
        reloader: ConfigurationReloader? = nil
    ) -> Router<PatchbayRequestContext> {
        let limiter = limiter ?? RateLimiter(server: server)
        let router = Router(context: PatchbayRequestContext.self)
        router.add(middleware: AccessLogMiddleware(strictTransportSecurity: server.strictTransportSecurity, metrics: gateway.metrics))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RateLimitMiddleware(limiter: limiter, gateway: gateway))
        router.add(middleware: OriginPolicyMiddleware(allowedOrigins: server.corsOrigins))
        router.add(middleware: AuthMiddleware(keys: APIKeyRing(auth, logger: gateway.logger)))
        let limits = ChatInputLimits(maxMessageChars: server.maxMessageChars, maxMessages: server.maxMessages)
        ChatController(gateway: gateway, maxBodyBytes: server.maxBodyBytes, inputLimits: limits, limiter: limiter).addRoutes(to: router)
        RateLimitController(gateway: gateway, limiter: limiter).addRoutes(to: router)
        InfoController(gateway: gateway).addRoutes(to: router)
        ConversationController(gateway: gateway).addRoutes(to: router)
        OperationsController(gateway: gateway, reloader: reloader).addRoutes(to: router)
        WidgetController(assets: .bundled).addRoutes(to: router)
        OpenAPIController(document: .bundled).addRoutes(to: router)
        // Last: it wraps only what no route answered (405 with Allow when the path has other methods).
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    /// The application, ready to run as a service (SIGTERM/SIGINT stop it gracefully).
    public static func make(
        gateway: Gateway,
        host: String,
        port: Int,
        server: ServerSettings = ServerSettings(),
        auth: AuthSettings = AuthSettings(),
        limiter: RateLimiter? = nil,
        reloader: ConfigurationReloader? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let headerTimeout = TimeAmount.milliseconds(Int64(server.headerTimeoutMilliseconds))
        let bodyTimeout = TimeAmount.milliseconds(Int64(server.bodyTimeoutMilliseconds))
        let logger = gateway.logger
        return Application(
            router: router(gateway: gateway, server: server, auth: auth, limiter: limiter, reloader: reloader),
            server: .http1(configuration: .init(additionalChannelHandlers: [
                SlowClientTimeoutHandler(headerTimeout: headerTimeout, bodyTimeout: bodyTimeout, logger: logger)
            ])),
            configuration: .init(address: .hostname(host, port: port), serverName: "patchbay"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: gateway.logger
        )
    }
}
