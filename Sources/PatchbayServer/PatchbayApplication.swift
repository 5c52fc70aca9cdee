import Hummingbird
import Logging
import PatchbayConfig
import PatchbayPluginHost

/// Builds Patchbay's HTTP application.
public enum PatchbayApplication {
    /// The largest request body accepted by default (256 KiB).
    public static let defaultMaxBodyBytes = 262_144

    /// The router with every route and middleware, for tests and for `make`.
    public static func router(
        gateway: Gateway, maxBodyBytes: Int = defaultMaxBodyBytes, strictTransportSecurity: String? = nil
    ) -> Router<PatchbayRequestContext> {
        let router = Router(context: PatchbayRequestContext.self)
        router.add(middleware: AccessLogMiddleware(strictTransportSecurity: strictTransportSecurity))
        router.add(middleware: RequestIDMiddleware())
        ChatController(gateway: gateway, maxBodyBytes: maxBodyBytes).addRoutes(to: router)
        InfoController(gateway: gateway).addRoutes(to: router)
        ConversationController(gateway: gateway).addRoutes(to: router)
        return router
    }

    /// The application, ready to run as a service (SIGTERM/SIGINT stop it gracefully).
    public static func make(
        gateway: Gateway,
        host: String,
        port: Int,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(gateway: gateway),
            configuration: .init(address: .hostname(host, port: port), serverName: "patchbay"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: gateway.logger
        )
    }
}
