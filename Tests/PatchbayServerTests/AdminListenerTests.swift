import Foundation
import PatchbayConfig
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// `/admin/*` and `/metrics` live on the admin listener, over real sockets.
@Suite("The admin listener", .timeLimit(.minutes(2)))
struct AdminListenerTests {
    static let auth = """
        auth:
          enabled: true
          keys:
            - {id: widget, key_env: WIDGET_KEY}
            - {id: ops, key_env: OPS_KEY, admin: true}
        """
    static let keys = ["WIDGET_KEY": "k-widget-1", "OPS_KEY": "k-ops-2"]

    @Test("by default the public port serves neither /admin nor /metrics; the admin listener serves both and its own OpenAPI document")
    func separatePorts() async throws {
        let host = try AdminReloadTests().host("")
        try await host.liveListeners { listeners in
            let publicMetrics = try await LiveHTTP.send(port: listeners.port, "GET", "/metrics")
            #expect(publicMetrics.status == 404)
            #expect(publicMetrics.body.contains(#""code":"NOT_FOUND""#))
            #expect(try await LiveHTTP.send(port: listeners.port, "POST", "/admin/reload").status == 404)

            let metrics = try await LiveHTTP.send(to: listeners.admin, "GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("# TYPE patchbay_active_streams gauge"))
            // The public port's 404 was counted, and is seen on the admin listener.
            #expect(MetricsTests.sample(metrics.body, #"patchbay_http_requests_total{method="GET",route="NotFound",status="404"}"#) == 1)
            let reload = try await LiveHTTP.send(to: listeners.admin, "POST", "/admin/reload")
            #expect(reload.status == 200, "\(reload.body)")
            #expect(reload.body.contains(#""trigger":"admin""#))
            #expect(reload.head.lowercased().contains("x-request-id: "))

            let document = try await LiveHTTP.send(to: listeners.admin, "GET", "/openapi.json")
            #expect(document.status == 200)
            #expect(document.body == OpenAPIDocument.adminJSON)
            // The admin listener has no chat.
            #expect(try await LiveHTTP.send(to: listeners.admin, "POST", "/api/chat", json: #"{"message":"hi"}"#).status == 404)
        }
    }

    @Test("on_public_port puts them back on the public port, guarded; the admin listener's /metrics needs no key")
    func optedIn() async throws {
        let host = try AdminReloadTests().host("server: {admin: {on_public_port: true}}\n" + Self.auth, environment: Self.keys)
        try await host.liveListeners { listeners in
            let port = listeners.port
            #expect(try await LiveHTTP.send(port: port, "GET", "/metrics").status == 401)
            #expect(try await LiveHTTP.send(port: port, "GET", "/metrics", headers: ["Authorization": "Bearer k-widget-1"]).status == 403)
            let metrics = try await LiveHTTP.send(port: port, "GET", "/metrics", headers: ["Authorization": "Bearer k-ops-2"])
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("# TYPE patchbay_active_streams gauge"))
            #expect(try await LiveHTTP.send(port: port, "POST", "/admin/reload", headers: ["X-API-Key": "k-ops-2"]).status == 200)

            // Private by placement: Prometheus scrapes the admin listener without a key.
            #expect(try await LiveHTTP.send(to: listeners.admin, "GET", "/metrics").status == 200)
            #expect(try await LiveHTTP.send(to: listeners.admin, "POST", "/admin/reload").status == 401)
        }
    }

    @Test("on a Unix socket, the admin listener answers /metrics and /admin/reload")
    func unixSocket() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/admin.sock"
        let deployment = try EchoDeployment(config: AdminReloadTests.yaml)
        let logger = LogRecorder().logger()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, logger: logger)
        let host = TestHost(routes: routes, adminAddress: .socket(path: socket), logger: logger)
        try await host.liveListeners { listeners in
            #expect(listeners.admin == .socket(path: socket))
            let metrics = try await LiveHTTP.send(to: listeners.admin, "GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("# TYPE patchbay_active_streams gauge"))
            #expect(try await LiveHTTP.send(port: listeners.port, "GET", "/metrics").status == 404)
        }
    }
}
