import Foundation
import HummingbirdTesting
import PatchbayConfig
import PatchbayPluginHost
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// `POST /admin/reload` is for operators only, on the admin listener (and on the public port
/// only when `server.admin.on_public_port` is on).
@Suite("The admin reload endpoint")
struct AdminReloadTests {
    static let yaml = """
        plugins: {directory: ./plugins}
        providers: {echo: {plugin: echo}}
        assistants: {default: {provider: echo, model: echo-1}}
        """

    /// A reloadable host over a deployment folder (kept as long as the host).
    struct ReloadableHost: Sendable {
        let deployment: EchoDeployment
        let host: TestHost

        func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws { try await host.test(body) }
        func testAdmin(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws { try await host.testAdmin(body) }
        func live<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T { try await host.live(body) }
        func liveListeners<T: Sendable>(_ body: @escaping @Sendable (TestHost.Listeners) async throws -> T) async throws -> T {
            try await host.liveListeners(body)
        }
    }

    /// A host over a deployment folder whose file is `yaml` and `extra`, reloadable.
    func host(_ extra: String, environment: [String: String] = [:]) throws -> ReloadableHost {
        let deployment = try EchoDeployment(config: Self.yaml + "\n" + extra)
        let logger = LogRecorder().logger()
        let libraries = PluginLibraryCache()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, environment: environment, libraries: libraries, logger: logger)
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false,
                                                             environment: { environment }), logger: logger)
        return ReloadableHost(deployment: deployment, host: host)
    }

    @Test("without auth, the admin listener admits whoever reaches it; the public port, opted in, only this machine")
    func withoutAuth() async throws {
        // The in-memory test client has no peer address: it is not on this machine.
        try await host("").testAdmin { client in
            let response = try await client.execute(uri: "/admin/reload", method: .post)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains(#""trigger":"admin""#))
        }
        try await host("server: {admin: {on_public_port: true}}").test { client in
            let response = try await client.execute(uri: "/admin/reload", method: .post)
            #expect(response.status == .forbidden)
            #expect(String(buffer: response.body).contains(#""code":"FORBIDDEN""#))
        }
    }

    @Test("on the public port, opted in, a public client forwarded by a trusted proxy on this machine is refused; the machine itself is not")
    func forwardedClient() async throws {
        let host = try host("server: {trusted_proxies: [127.0.0.1/32], admin: {on_public_port: true}}")
        let (forwarded, local) = try await host.live { port in
            let forwarded = try await rawStatus(port: port, request: RawHTTPClient.post("/admin/reload", json: "", headers: ["X-Forwarded-For": "8.8.8.8"]))
            let local = try await rawStatus(port: port, request: RawHTTPClient.post("/admin/reload", json: ""))
            return (forwarded, local)
        }
        #expect(forwarded == 403)
        #expect(local == 200)
    }

    @Test("with auth, on either listener: no key 401, a key without admin 403, an admin key reloads")
    func adminKey() async throws {
        let auth = """
            server: {admin: {on_public_port: true}}
            auth:
              enabled: true
              keys:
                - {id: widget, key_env: WIDGET_KEY}
                - {id: ops, key_env: OPS_KEY, admin: true}
            """
        let host = try host(auth, environment: ["WIDGET_KEY": "k-widget-1", "OPS_KEY": "k-ops-2"])
        let check: @Sendable (any TestClientProtocol) async throws -> Void = { client in
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
        try await host.testAdmin(check)
        try await host.test(check)
    }
}
