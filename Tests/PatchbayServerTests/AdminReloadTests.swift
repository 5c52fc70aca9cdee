import Foundation
import HummingbirdTesting
import PatchbayPluginHost
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// `POST /admin/reload` is for operators only.
@Suite("The admin reload endpoint")
struct AdminReloadTests {
    static let yaml = """
        plugins: {directory: ./plugins}
        providers: {echo: {plugin: echo}}
        assistants: {default: {provider: echo, model: echo-1}}
        """

    func withHost(_ extra: String, environment: [String: String] = [:], _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let deployment = try EchoDeployment(config: Self.yaml + "\n" + extra)
        let logger = LogRecorder().logger()
        let libraries = PluginLibraryCache()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, environment: environment, libraries: libraries, logger: logger)
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false,
                                                             environment: { environment }), logger: logger)
        try await host.test(body)
    }

    @Test("without auth, a caller not on this machine is refused")
    func notLoopback() async throws {
        // The in-memory test client has no peer address: it is not on this machine.
        try await withHost("") { client in
            let response = try await client.execute(uri: "/admin/reload", method: .post)
            #expect(response.status == .forbidden)
            #expect(String(buffer: response.body).contains(#""code":"FORBIDDEN""#))
        }
    }

    @Test("without auth, a public client forwarded by a trusted proxy on this machine is refused; the machine itself is not")
    func forwardedClient() async throws {
        let deployment = try EchoDeployment(config: Self.yaml + "\nserver: {trusted_proxies: [127.0.0.1/32]}")
        let logger = LogRecorder().logger()
        let libraries = PluginLibraryCache()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, environment: [:], libraries: libraries, logger: logger)
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false,
                                                             environment: { [:] }), logger: logger)
        let (forwarded, local) = try await host.live { port in
            let forwarded = try await rawStatus(port: port, request: RawHTTPClient.post("/admin/reload", json: "", headers: ["X-Forwarded-For": "8.8.8.8"]))
            let local = try await rawStatus(port: port, request: RawHTTPClient.post("/admin/reload", json: ""))
            return (forwarded, local)
        }
        #expect(forwarded == 403)
        #expect(local == 200)
    }

    @Test("with auth: no key 401, a key without admin 403, an admin key reloads")
    func adminKey() async throws {
        let auth = """
            auth:
              enabled: true
              keys:
                - {id: widget, key_env: WIDGET_KEY}
                - {id: ops, key_env: OPS_KEY, admin: true}
            """
        try await withHost(auth, environment: ["WIDGET_KEY": "k-widget-1", "OPS_KEY": "k-ops-2"]) { client in
            #expect(try await client.execute(uri: "/admin/reload", method: .post).status == .unauthorized)
            let widget = try await client.execute(uri: "/admin/reload", method: .post, headers: [.authorization: "Bearer k-widget-1"])
            #expect(widget.status == .forbidden)
            let ops = try await client.execute(uri: "/admin/reload", method: .post, headers: [.authorization: "Bearer k-ops-2"])
            #expect(ops.status == .ok)
            let body = String(buffer: ops.body)
            #expect(body.contains(#""result":"applied""#))
            #expect(body.contains(#""trigger":"admin""#))
            #expect(body.contains(#""plugins":["echo 1.0.0"]"#))
        }
    }
}
