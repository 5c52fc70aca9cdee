import Hummingbird

/// The middleware both listeners' routers start with, and the authentication both use (one
/// ``AuthFailureLimiter``, so wrong keys are counted per address across both).
struct SharedMiddleware: Sendable {
    let settings: ReloadableSettings
    let limiter: RateLimiter
    let metrics: PatchbayMetrics
    let auth: AuthMiddleware

    /// The request's live settings (first: every other middleware reads them), the access log,
    /// the request id and error shape, gzip, and the caller's address as resolved through
    /// `trusted_proxies` with the rate-limit headers.
    func add(to router: Router<PatchbayRequestContext>) {
        router.add(middleware: LiveSettingsMiddleware(settings: settings))
        router.add(middleware: AccessLogMiddleware(metrics: metrics))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: GzipMiddleware())
        router.add(middleware: RateLimitMiddleware(limiter: limiter))
    }

    /// Added to a router after every route: 405 with `Allow` for what no route answered but its path has.
    static func finish(_ router: Router<PatchbayRequestContext>, answersPreflights: Bool) {
        let routes = router.routes.map { (method: $0.method, path: $0.path) }
        router.add(middleware: MethodNotAllowedMiddleware(routes: routes, answersPreflights: answersPreflights))
    }
}

/// The public listener's routes, in groups that carry their own middleware:
/// - everything: the shared middleware (``SharedMiddleware``), then CORS;
/// - `/api`: authentication; its chat door also refuses foreign origins;
/// - `/v1`: the OpenAI- and Anthropic-compatible doors, each with its own error shape outside
///   authentication;
/// - `/ws`: 004's WebSocket door, decided before the upgrade: foreign origins refused, the key
///   taken from `?token=` too, the connection limit;
/// - the admin routes only when `server.admin.on_public_port` is on (`operations` not nil),
///   guarded as ``AdminAccessMiddleware`` says for the public port;
/// - `/`, `/widget`, `/chat`, `/docs`: the strict Content-Security-Policy of the pages the host serves.
func buildRouter(
    shared: SharedMiddleware, limiter: RateLimiter, turns: ChatTurns, info: InfoController, conversations: ConversationController,
    operations: OperationsController?, webSocket: WebSocketController, cache: CacheController
) -> Router<PatchbayRequestContext> {
    let router = Router(context: PatchbayRequestContext.self)
    shared.add(to: router)
    router.add(middleware: CORSMiddleware())

    // Seed 004's API: its own error shape, outside /api's (whose errors are the widget API's).
    let auth = shared.auth
    let v1 = router.group("api/v1").add(middleware: DoorErrorMiddleware<APIv1Error>()).add(middleware: auth)
    APIv1Controller(turns: turns).addRoutes(to: v1)
    cache.addRoutes(to: v1)
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

    operations?.addRoutes(to: router, auth: auth, access: AdminAccessMiddleware(listener: .publicPort))

    let pages = router.group().add(middleware: PageSecurityMiddleware())
    WidgetController(assets: .widget).addRoutes(to: pages)
    PageController.bundled.addRoutes(to: pages)
    OpenAPIController(document: .bundled).addRoutes(to: router)
    // Last: it wraps only what no route answered (405 with Allow when the path has other methods).
    SharedMiddleware.finish(router, answersPreflights: true)
    return router
}

/// The admin listener's routes: the shared middleware, every admin route (``OperationsController``)
/// and the admin OpenAPI document. No CORS: no browser page calls it.
func buildAdminRouter(shared: SharedMiddleware, operations: OperationsController) -> Router<PatchbayRequestContext> {
    let router = Router(context: PatchbayRequestContext.self)
    shared.add(to: router)
    operations.addRoutes(to: router, auth: shared.auth, access: AdminAccessMiddleware(listener: .admin))
    OpenAPIController(document: .admin).addRoutes(to: router)
    SharedMiddleware.finish(router, answersPreflights: false)
    return router
}
