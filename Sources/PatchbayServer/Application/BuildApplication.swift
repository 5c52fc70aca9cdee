import Hummingbird
import Logging
import NIOCore
import PatchbayConfig
import PatchbayRateLimit
import ServiceLifecycle

/// Builds Patchbay from a routing (providers.yaml read, plugins loaded): the one seam that
/// `patchbay serve` and the tests share. It makes both listeners: the public one and the admin one.
public func buildApplication(routes: RouteTable, options: ApplicationOptions) -> PatchbayApplication {
    let logger = options.logger
    let startup = StartupSettings(routes.configuration, host: options.host, port: options.port, adminAddress: options.adminAddress)
    let settings = ReloadableSettings(LiveSettings(routes: routes, logger: logger))
    let metrics = PatchbayMetrics()
    metrics.pluginLoadFailed(count: routes.catalog.refusals.count)
    let activeCalls = ActiveCalls()
    let routing = RoutingHealth(metrics: metrics, now: options.clock)
    // A certificate that does not load stops the server at start-up (see PatchbayApplication.run).
    let tls = routes.configuration.server.tls.map { settings in Result { () throws(TLSCertificateError) in try TLSCertificates(settings) } }
    let reloader = options.reloading.map {
        ConfigurationReloader(configPath: $0.configPath, pluginsDirectory: $0.pluginsDirectory, settings: settings, startup: startup,
                              metrics: metrics, routing: routing, libraries: $0.libraries, environment: $0.environment,
                              certificates: try? tls?.get(), logger: logger)
    }
    let limiter = RateLimiter(store: options.rateLimitStore, metrics: metrics, now: options.clock)
    // One Redis for the whole deployment: the cache's exact entries share the limits' client
    // (its server, timeout and connections, closed with the limit store at shutdown).
    let sharedReplies = (options.rateLimitStore as? RedisRateLimitStore).map { RedisReplyStore(client: $0.client) }
    if let sharedReplies {
        logger.info("response cache: exact entries shared in Redis at \(sharedReplies.client.configuration.redacted)")
    }
    let cache = ResponseCache(metrics: metrics, now: options.clock, shared: sharedReplies)
    let turns = ChatTurns(store: options.store, limiter: limiter, metrics: metrics, activeCalls: activeCalls, routing: routing, random: options.random,
                          cache: cache)
    let warmer = CacheWarmer(turns: turns, settings: settings, logger: logger)
    let shared = SharedMiddleware(settings: settings, limiter: limiter, metrics: metrics,
                                  auth: AuthMiddleware(failures: AuthFailureLimiter(metrics: metrics)))
    let operations = OperationsController(metrics: metrics, reloader: reloader)
    let router = buildRouter(
        shared: shared, limiter: limiter, turns: turns,
        info: InfoController(settings: settings, store: options.store, limiter: limiter, activeCalls: activeCalls, routing: routing, startedAt: .now),
        conversations: ConversationController(store: options.store),
        operations: startup.admin.onPublicPort ? operations : nil,
        webSocket: WebSocketController(turns: turns, limiter: limiter, metrics: metrics, settings: settings,
                                       maxMessageBytes: startup.webSocketMaxMessageBytes),
        cache: CacheController(cache: cache, warmer: warmer)
    )
    let adminRouter = buildAdminRouter(shared: shared, operations: operations)
    let announcement = ListenerAnnouncement(onServerRunning: options.onServerRunning, onAdminRunning: options.onAdminRunning, logger: logger)
    let handling = RequestsInHandling()
    let responder = ChildTaskResponder(base: router.buildResponder(), handling: handling)
    let http = Application(
        responder: responder,
        server: .patchbayPublic(startup: startup, responder: responder, tls: tls, logger: logger),
        configuration: .init(address: .hostname(startup.host, port: startup.port), serverName: "patchbay"),
        onServerRunning: { channel in
            await announcement.publicListening(port: channel.localAddress?.port ?? startup.port, host: startup.host, scheme: tls == nil ? "http" : "https")
        },
        logger: logger
    )
    let admin = Application(
        responder: adminRouter.buildResponder(),
        server: .patchbayAdmin(startup: startup, logger: logger),
        configuration: .init(address: startup.admin.address.bindAddress, serverName: "patchbay"),
        onServerRunning: { channel in await announcement.adminListening(startup.admin.address.bound(port: channel.localAddress?.port)) },
        logger: logger
    )
    return PatchbayApplication(
        http: http, admin: admin, settings: settings, startup: startup, activeCalls: activeCalls, metrics: metrics, routing: routing, reloader: reloader,
        routes: router.routes.map { (method: $0.method, path: $0.path) }, adminRoutes: adminRouter.routes.map { (method: $0.method, path: $0.path) },
        tls: tls, limiter: limiter, storeService: options.store as? any Service, limitStoreService: options.rateLimitStore as? any Service,
        watchesFiles: options.reloading?.watch ?? false,
        trimsHeap: options.trimsHeap, handling: handling, cacheWarmer: warmer, logger: logger
    )
}

extension AdminListenerAddress {
    /// Where Hummingbird binds it.
    var bindAddress: BindAddress {
        switch self {
        case .tcp(let host, let port): .hostname(host, port: port)
        case .socket(let path): .unixDomainSocket(path: path)
        }
    }

    /// The address as bound: a TCP port 0 replaced by the port the system chose.
    func bound(port: Int?) -> AdminListenerAddress {
        guard case .tcp(let host, _) = self, let port else { return self }
        return .tcp(host: host, port: port)
    }
}
