import Hummingbird
import NIOCore
import PatchbayConfig

/// `GET /metrics` (Prometheus text) and `POST /admin/reload` (what `patchbay reload` calls).
struct OperationsController: Sendable {
    let gateway: Gateway
    /// Nil where the server was built without one (tests of other routes): reload answers 404.
    let reloader: ConfigurationReloader?

    func addRoutes(to router: Router<PatchbayRequestContext>) {
        router.get("/metrics", use: metrics)
        router.post("/admin/reload", use: reload)
    }

    @Sendable func metrics(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let text = gateway.metrics.render()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: text))
        )
    }

    /// Reloads providers.yaml and the plugins folder now. With auth enabled, only a key marked
    /// `admin: true` may; without auth, only a caller on this machine (a loopback address).
    @Sendable func reload(request: Request, context: PatchbayRequestContext) async throws -> Response {
        if context.apiKey != nil || gateway.routes.configuration.auth.enabled {
            guard context.apiKey?.admin == true else {
                throw APIError(.forbidden, "This API key may not reload the configuration (it needs admin: true).")
            }
        } else {
            guard let peer = context.peerAddress, Self.isLoopback(peer) else {
                throw APIError(.forbidden, "Reloading is allowed from this machine only, or with an admin API key.")
            }
        }
        guard let reloader else { throw APIError(.notFound, "This server cannot reload its configuration.") }
        let outcome = await reloader.reload(trigger: .admin)
        var response = try JSONResponse.make(outcome)
        response.headers[.cacheControl] = "no-store"
        // A rejected file is the caller's error to fix: 422 with the located errors in the body.
        if outcome.result == .rejected { response.status = .unprocessableContent }
        return response
    }

    /// 127.0.0.0/8 and ::1 (an IPv4-mapped 127.x address matches the first).
    private static let loopback = ["127.0.0.0/8", "::1/128"].compactMap(IPNetwork.init)

    static func isLoopback(_ address: String) -> Bool {
        loopback.contains { $0.contains(address) }
    }
}
