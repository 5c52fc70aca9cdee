import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PatchbayPluginHost
import PatchbayRateLimit
import PatchbayStorage
import ServiceLifecycle
import UnixSignals

/// What ``buildApplication(routes:options:)`` takes besides the routing: the parts a deployment
/// (or a test) chooses.
public struct ApplicationOptions: Sendable {
    /// Overrides `server.host` (the command line's `--host`).
    public var host: String?
    /// Overrides `server.port` (the command line's `--port`; 0 for any free port).
    public var port: Int?
    /// Where conversations are kept; nil keeps none (every turn is stateless).
    public var store: (any ConversationStore)?
    /// Where rate-limit counters are kept.
    public var rateLimitStore: any RateLimitStore = InProcessRateLimitStore()
    /// The clock rate-limit windows, circuit breakers and key cool-downs are counted in (tests pin it).
    public var clock: @Sendable () -> Date = { Date() }
    /// Uniformly random 64-bit numbers for the weighted choice among an assistant's targets (tests seed it).
    public var random: @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) }
    /// Where reloads read from; nil: the server never reloads (and `/admin/reload` answers 404).
    public var reloading: Reloading?
    /// Called with the bound port once the server listens.
    public var onServerRunning: @Sendable (Int) async -> Void = { _ in }
    /// The server's logger.
    public var logger: Logger

    /// What a reload reads.
    public struct Reloading: Sendable {
        /// providers.yaml.
        public var configPath: String
        /// Overrides the file's `plugins.directory`, as at start-up.
        public var pluginsDirectory: String?
        /// The plugin libraries the start-up scan opened, so unchanged plugins are not reopened.
        public var libraries: PluginLibraryCache
        /// Whether to watch the file and the plugins folder, and SIGHUP (`patchbay serve`); else
        /// reloads happen only through `/admin/reload`.
        public var watch: Bool
        /// The environment `${VARIABLE}`s are read from, at each reload.
        public var environment: @Sendable () -> [String: String]

        /// Creates reload settings.
        public init(
            configPath: String, pluginsDirectory: String? = nil, libraries: PluginLibraryCache, watch: Bool = true,
            environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
        ) {
            self.configPath = configPath
            self.pluginsDirectory = pluginsDirectory
            self.libraries = libraries
            self.watch = watch
            self.environment = environment
        }
    }

    /// Creates options with every default.
    public init(logger: Logger) {
        self.logger = logger
    }
}

/// A built Patchbay: its HTTP application, and the long-lived parts the launcher and tests reach.
public struct PatchbayApplication: Sendable {
    /// The Hummingbird application: the router and the HTTP server. Tests drive it with
    /// HummingbirdTesting (`.router` or `.live`).
    public let http: Application<RouterResponder<PatchbayRequestContext>>
    /// The live settings in force, and the last reload's outcome.
    public let settings: ReloadableSettings
    /// What needs a restart.
    public let startup: StartupSettings
    /// The provider calls in flight.
    public let activeCalls: ActiveCalls
    /// What `/metrics` shows.
    public let metrics: PatchbayMetrics
    /// The targets' circuit breakers and the keys' cool-downs.
    public let routing: RoutingHealth
    /// Reloads the configuration, when the server was built to.
    public let reloader: ConfigurationReloader?
    /// Every route the router has: its method and path pattern.
    public let routes: [(method: HTTPRequest.Method, path: RouterPath)]
    /// Every route, as `METHOD /path/{parameter}`: what the OpenAPI document must describe.
    public var endpoints: [String] { routes.map { "\($0.method.rawValue) \($0.path)" } }
    /// The rate limiter (tests read its stream counts).
    let limiter: RateLimiter
    let watchesFiles: Bool
    let logger: Logger

    /// Serves until one of `gracefulShutdownSignals` arrives, then drains: no new connections,
    /// calls in flight get `server.shutdown_grace_ms`, and those still running then are stopped
    /// with a final error to their clients. Watches providers.yaml, the plugins folder and
    /// SIGHUP when built to.
    public func run(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let reloader, watchesFiles {
            // Created before the server listens: it traps SIGHUP from then on.
            services.append(.init(service: await ConfigurationWatcher(reloader: reloader, logger: logger)))
        }
        // Last, so that it is the first told to shut down: it stops accepting at once.
        services.append(.init(service: DrainingServer(app: http, activeCalls: activeCalls,
                                                      grace: .milliseconds(startup.shutdownGraceMilliseconds), logger: logger)))
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)).run()
    }
}

/// Builds Patchbay from a routing (providers.yaml read, plugins loaded): the one seam that
/// `patchbay serve` and the tests share.
public func buildApplication(routes: RouteTable, options: ApplicationOptions) -> PatchbayApplication {
    let logger = options.logger
    let startup = StartupSettings(routes.configuration, host: options.host, port: options.port)
    let settings = ReloadableSettings(LiveSettings(routes: routes, logger: logger))
    let metrics = PatchbayMetrics()
    metrics.pluginLoadFailed(count: routes.catalog.refusals.count)
    let activeCalls = ActiveCalls()
    let routing = RoutingHealth(metrics: metrics, now: options.clock)
    let reloader = options.reloading.map {
        ConfigurationReloader(configPath: $0.configPath, pluginsDirectory: $0.pluginsDirectory, settings: settings, startup: startup,
                              metrics: metrics, routing: routing, libraries: $0.libraries, environment: $0.environment, logger: logger)
    }
    let limiter = RateLimiter(store: options.rateLimitStore, now: options.clock)
    let turns = ChatTurns(store: options.store, limiter: limiter, metrics: metrics, activeCalls: activeCalls, routing: routing, random: options.random)
    let router = buildRouter(
        settings: settings, limiter: limiter, metrics: metrics,
        turns: turns,
        info: InfoController(settings: settings, store: options.store, activeCalls: activeCalls, routing: routing, startedAt: .now),
        conversations: ConversationController(store: options.store),
        operations: OperationsController(metrics: metrics, reloader: reloader),
        webSocket: WebSocketController(turns: turns, limiter: limiter, metrics: metrics, settings: settings,
                                       maxMessageBytes: startup.webSocketMaxMessageBytes)
    )
    let routes = router.routes.map { (method: $0.method, path: $0.path) }
    let onServerRunning = options.onServerRunning
    let responder = router.buildResponder()
    let headerTimeout = TimeAmount.milliseconds(Int64(startup.headerTimeoutMilliseconds))
    let http = Application(
        responder: responder,
        server: .http1WithWebSocketUpgrade(
            http1: .init(additionalChannelHandlers: [
                SendBufferLimit(),
                ClientDisconnectWatcher(),
                SlowClientTimeoutHandler(headerTimeout: headerTimeout, bodyTimeout: .milliseconds(Int64(startup.bodyTimeoutMilliseconds)), logger: logger)
            ]),
            // One frame may hold a whole message; an idle socket is pinged every 30 s and closed
            // when a ping goes unanswered until the next.
            webSocket: .init(maxFrameSize: startup.webSocketMaxMessageBytes, autoPing: .enabled(timePeriod: .seconds(30)), validateUTF8: true),
            firstHeadTimeout: headerTimeout,
            upgradeResponder: { request, channel, logger in
                // The router decides an upgrade like any request (auth, limits, logs); the route
                // that accepts it leaves the socket's handler in the context.
                var context = PatchbayRequestContext(source: .init(channel: channel, logger: logger))
                let upgrade = WebSocketUpgrade()
                context.webSocketUpgrade = upgrade
                let response = (try? await responder.respond(to: request, context: context)) ?? Response(status: .internalServerError)
                return (response, upgrade)
            }
        ),
        configuration: .init(address: .hostname(startup.host, port: startup.port), serverName: "patchbay"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? startup.port) },
        logger: logger
    )
    return PatchbayApplication(http: http, settings: settings, startup: startup, activeCalls: activeCalls, metrics: metrics, routing: routing,
                               reloader: reloader, routes: routes, limiter: limiter, watchesFiles: options.reloading?.watch ?? false, logger: logger)
}

/// Every route, in groups that carry their own middleware:
/// - everything: the request's live settings, the access log, the request id and error shape,
///   the rate-limit headers, CORS;
/// - `/api`: authentication; its chat door also refuses foreign origins;
/// - `/v1`: the OpenAI- and Anthropic-compatible doors, each with its own error shape outside
///   authentication;
/// - `/ws`: 004's WebSocket door, decided before the upgrade: foreign origins refused, the key
///   taken from `?token=` too, the connection limit;
/// - `/admin`: authentication, then an admin key (or, without auth, a caller on this machine);
/// - `/`, `/widget`, `/chat`, `/docs`: the strict Content-Security-Policy of the pages the host serves.
func buildRouter(
    settings: ReloadableSettings, limiter: RateLimiter, metrics: PatchbayMetrics, turns: ChatTurns,
    info: InfoController, conversations: ConversationController, operations: OperationsController, webSocket: WebSocketController
) -> Router<PatchbayRequestContext> {
    let router = Router(context: PatchbayRequestContext.self)
    router.add(middleware: LiveSettingsMiddleware(settings: settings))
    router.add(middleware: AccessLogMiddleware(metrics: metrics))
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: GzipMiddleware())
    router.add(middleware: RateLimitMiddleware(limiter: limiter))
    router.add(middleware: CORSMiddleware())

    // Seed 004's API: its own error shape, outside /api's (whose errors are the widget API's).
    let auth = AuthMiddleware(failures: AuthFailureLimiter(metrics: metrics))
    APIv1Controller(turns: turns).addRoutes(to: router.group("api/v1").add(middleware: DoorErrorMiddleware<APIv1Error>()).add(middleware: auth))
    let api = router.group("api").add(middleware: auth)
    ChatController(turns: turns).addRoutes(to: api)
    conversations.addRoutes(to: api)
    RateLimitController(limiter: limiter).addRoutes(to: api)
    info.addRoutes(to: router, api: api)

    OpenAIController(turns: turns).addRoutes(to: router.group("v1").add(middleware: DoorErrorMiddleware<OpenAIError>()).add(middleware: auth))
    AnthropicController(turns: turns).addRoutes(to: router.group("v1").add(middleware: DoorErrorMiddleware<AnthropicError>()).add(middleware: auth))
    var queryTokenAuth = auth
    queryTokenAuth.acceptsQueryToken = true
    webSocket.addRoutes(to: router.group("ws").add(middleware: ForeignOriginRefusal()).add(middleware: queryTokenAuth))

    let admin = router.group("admin").add(middleware: auth).add(middleware: AdminAccessMiddleware())
    operations.addRoutes(to: router, admin: admin)

    let pages = router.group().add(middleware: PageSecurityMiddleware())
    WidgetController(assets: .widget).addRoutes(to: pages)
    PageController.bundled.addRoutes(to: pages)
    OpenAPIController(document: .bundled).addRoutes(to: router)
    // Last: it wraps only what no route answered (405 with Allow when the path has other methods).
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes.map { (method: $0.method, path: $0.path) }))
    return router
}
