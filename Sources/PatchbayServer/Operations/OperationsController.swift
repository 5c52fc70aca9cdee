import Hummingbird
import NIOCore

/// `GET /metrics` (Prometheus text) and `POST /admin/reload` (what `patchbay reload` calls).
struct OperationsController: Sendable {
    let metrics: PatchbayMetrics
    /// Nil where the server was built without one (tests of other routes): reload answers 404.
    let reloader: ConfigurationReloader?

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>, admin: some RouterMethods<PatchbayRequestContext>) {
        router.get("/metrics", use: renderMetrics)
        admin.post("reload", use: reload)
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
