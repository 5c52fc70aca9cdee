import Hummingbird
import NIOCore

/// The admin routes: `GET /metrics` (Prometheus text), `POST /admin/reload` (what `patchbay
/// reload` calls), and every admin route to come — one line each in ``addRoutes(to:auth:access:)``.
/// They are served by the admin listener, and by the public port only when
/// `server.admin.on_public_port` is on.
struct OperationsController: Sendable {
    let metrics: PatchbayMetrics
    /// Nil where the server was built without one (tests of other routes): reload answers 404.
    let reloader: ConfigurationReloader?

    /// Adds every admin route to a listener's router; `access` says which listener it is.
    func addRoutes(to router: Router<PatchbayRequestContext>, auth: AuthMiddleware, access: AdminAccessMiddleware) {
        let admin = router.group("admin").add(middleware: auth).add(middleware: access)
        admin.post("reload", use: reload)

        // The admin listener is private by placement, and Prometheus scrapes without a key; on
        // the public port /metrics is an admin route like the others.
        let metrics = access.listener == .admin ? router.group() : router.group().add(middleware: auth).add(middleware: access)
        metrics.get("metrics", use: renderMetrics)
    }

    @Sendable func renderMetrics(request: Request, context: PatchbayRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.render()))
        )
    }

    /// Reloads providers.yaml and the plugins folder now (the admin group decides who may).
    @Sendable func reload(request: Request, context: PatchbayRequestContext) async throws -> Response {
        guard let reloader else { throw APIError(.notFound, "This server cannot reload its configuration.") }
        let outcome = await reloader.reload(trigger: .admin)
        var response = try JSONResponse.make(outcome)
        response.headers[.cacheControl] = "no-store"
        // A rejected file is the caller's error to fix: 422 with the located errors in the body.
        if outcome.result == .rejected { response.status = .unprocessableContent }
        return response
    }
}
