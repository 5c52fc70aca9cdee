import Foundation
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost
@testable import PatchbayServer

/// Auth keys, CORS origins and input limits reload with providers and assistants, no restart.
@Suite("Live settings that reload", .timeLimit(.minutes(2)))
struct LiveSettingsReloadTests {
    static let base = """
        plugins: {directory: ./plugins}
        providers: {echo: {plugin: echo}}
        assistants: {default: {provider: echo, model: echo-1}}
        """
    static let environment = ["OPS_KEY": "k-ops-live-1", "WIDGET_KEY": "k-widget-live-2", "NEW_KEY": "k-new-live-3"]
    static let chat = #"{"message":"hi","stream":false}"#

    /// A host on a loopback port over a deployment folder, reloaded only through `/admin/reload`
    /// on the admin listener.
    private func withDeployment(_ config: String, _ body: @escaping @Sendable (EchoDeployment, TestHost.Listeners) async throws -> Void) async throws {
        let deployment = try EchoDeployment(config: config)
        let logger = LogRecorder().logger()
        let libraries = PluginLibraryCache()
        let environment = Self.environment
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, environment: environment, libraries: libraries, logger: logger)
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false,
                                                             environment: { environment }), logger: logger)
        try await host.liveListeners { listeners in try await body(deployment, listeners) }
    }

    @Test("a reload that turns auth on leaves /admin/reload to an admin key, which then reloads")
    func reloadTurnsAuthOn() async throws {
        try await withDeployment(Self.base) { deployment, listeners in
            let (port, admin) = (listeners.port, listeners.admin)
            try deployment.rewrite(Self.base + """

                auth:
                  enabled: true
                  keys:
                    - {id: ops, key_env: OPS_KEY, admin: true}
                    - {id: widget, key_env: WIDGET_KEY}
                """)
            // Auth is off until this reload: whoever reaches the admin listener may reload.
            #expect(try await LiveHTTP.send(to: admin, "POST", "/admin/reload").status == 200)
            // Now it is on, for the admin route as for the API.
            #expect(try await LiveHTTP.send(to: admin, "POST", "/admin/reload").status == 401)
            #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.chat).status == 401)
            let widget = try await LiveHTTP.send(to: admin, "POST", "/admin/reload", headers: ["Authorization": "Bearer k-widget-live-2"])
            #expect(widget.status == 403)
            let ops = try await LiveHTTP.send(to: admin, "POST", "/admin/reload", headers: ["Authorization": "Bearer k-ops-live-1"])
            #expect(ops.status == 200, "the admin key is accepted without a restart: \(ops.body)")
            #expect(ops.body.contains(#""result":"applied""#))
        }
    }

    @Test("a reload that adds an API key lets the next request with it in")
    func reloadAddsKey() async throws {
        let withOps = Self.base + """

            auth:
              enabled: true
              keys:
                - {id: ops, key_env: OPS_KEY, admin: true}
            """
        try await withDeployment(withOps) { deployment, listeners in
            let (port, admin) = (listeners.port, listeners.admin)
            let newKey = ["X-API-Key": "k-new-live-3"]
            #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.chat, headers: newKey).status == 401)
            try deployment.rewrite(withOps + "\n    - {id: newcomer, key_env: NEW_KEY}\n")
            let reload = try await LiveHTTP.send(to: admin, "POST", "/admin/reload", headers: ["Authorization": "Bearer k-ops-live-1"])
            #expect(reload.status == 200)
            let chat = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.chat, headers: newKey)
            #expect(chat.status == 200, "\(chat.body)")
            #expect(chat.body.contains(#""content":"hi""#))
        }
    }

    @Test("CORS origins and input limits reload too")
    func originsAndLimitsReload() async throws {
        let limited = Self.base + "\nserver: {max_message_chars: 5}\n"
        try await withDeployment(limited) { deployment, listeners in
            let (port, admin) = (listeners.port, listeners.admin)
            let long = #"{"message":"longer than five","stream":false}"#
            let origin = ["Origin": "https://widget.example"]
            #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: long).status == 400)
            #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.chat, headers: origin).status == 403)
            try deployment.rewrite(Self.base + "\nserver: {max_message_chars: 100, cors_origins: [\"https://widget.example\"]}\n")
            #expect(try await LiveHTTP.send(to: admin, "POST", "/admin/reload").status == 200)
            #expect(try await LiveHTTP.send(port: port, "POST", "/api/chat", json: long).status == 200)
            let granted = try await LiveHTTP.send(port: port, "POST", "/api/chat", json: Self.chat, headers: origin)
            #expect(granted.status == 200)
            #expect(granted.head.lowercased().contains("access-control-allow-origin: https://widget.example"))
        }
    }
}
