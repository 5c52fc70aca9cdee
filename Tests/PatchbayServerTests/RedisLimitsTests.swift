import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayConfig
import PatchbayPluginHost
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// `limits.store` through the real host, on a real `redis-server` each test starts and stops:
/// limits counted in Redis, and what chat turns meet while it is down or stalled.
@Suite("Rate limits in Redis, through the real host", .timeLimit(.minutes(2)))
struct RedisLimitsTests {
    /// A host whose caller may take `perDay` chat turns a day, counted in `server`'s Redis, the
    /// store opened as `patchbay serve` opens it. The timeout is generous unless a test needs a
    /// stalled Redis to make one expire: a loaded test run must not time a healthy Redis out.
    static func host(_ server: RedisTestServer, perDay: Int = 2, onFailure: String, timeoutMilliseconds: Int = 10_000,
                     recorder: LogRecorder) async throws -> TestHost {
        // Every provider configured: `/health` is `healthy` unless the store does not answer.
        let yaml = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1}
            limits: {requests_per_day: \(perDay), store: "${REDIS_URL}", on_store_failure: \(onFailure), store_timeout_ms: \(timeoutMilliseconds)}
            """
        let routes = try TestHost.routes(yaml: yaml, environment: ["REDIS_URL": server.url()], logger: recorder.logger())
        let store = await PatchbayLauncher.openLimitStore(routes.configuration.limitStore, logger: recorder.logger())
        return TestHost(routes: routes, rateLimitStore: store, clock: { RateLimitedHost.now }, logger: recorder.logger())
    }

    static func metrics(_ host: TestHost) -> String {
        String(decoding: host.application.metrics.render(), as: UTF8.self)
    }

    static func limits(_ client: some TestClientProtocol) async throws -> (status: String?, limits: [String: Any]) {
        let (status, health) = try await client.json("/health")
        #expect(status == .ok)
        return (health["status"] as? String, health["limits"] as? [String: Any] ?? [:])
    }

    @Test("Redis down under allow: chat turns flow unlimited, the outage is logged once, counted and shown; limits resume when it is back")
    func outageAllowed() async throws {
        let server = try await RedisTestServer()
        let recorder = LogRecorder()
        let host = try await Self.host(server, onFailure: "allow", recorder: recorder)
        try await host.test { client in
            #expect(try await client.chat().status == .ok)
            #expect(try await client.chat().status == .ok)
            #expect(try await client.chat().status == .tooManyRequests)
            let (healthy, limits) = try await Self.limits(client)
            #expect(healthy == "healthy")
            #expect(limits["store"] as? String == "redis" && limits["reachable"] as? Bool == true && limits["onStoreFailure"] as? String == "allow")

            await server.stop()
            for _ in 0..<3 {
                let through = try await client.chat()
                #expect(through.status == .ok)
                #expect(through.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil, "nothing was counted, so no window is shown")
            }
            let (degraded, down) = try await Self.limits(client)
            #expect(degraded == "degraded")
            #expect(down["reachable"] as? Bool == false && down["since"] is String)
            let outage = recorder.lines.filter { $0.message.hasPrefix("rate limit store unreachable") }
            #expect(outage.count == 1, "logged once per outage: \(outage.map(\.message))")
            #expect(outage.first?.level == .error && outage.first?.message.contains("let through") == true)
            let metrics = Self.metrics(host)
            #expect(MetricsTests.sample(metrics, #"patchbay_limit_store_failures_total{operation="acquire"}"#) == 3)
            #expect(MetricsTests.sample(metrics, "patchbay_limit_store_reachable") == 0)

            try await server.start()
            try await LiveHTTP.eventually { try await Self.limits(client).limits["reachable"] as? Bool == true }
            // The restarted Redis saved nothing: the day's two turns are there again, and no more.
            #expect(try await client.chat().status == .ok)
            #expect(try await client.chat().status == .ok)
            #expect(try await client.chat().status == .tooManyRequests)
            let recovered = recorder.lines.filter { $0.message.hasPrefix("rate limit store answers again") }
            #expect(recovered.count == 1 && recovered.first?.level == .notice)
            #expect(MetricsTests.sample(Self.metrics(host), "patchbay_limit_store_reachable") == 1)
        }
        await server.stop()
    }

    @Test("Redis stalled under deny: chat turns are refused with a clear 503 within the timeout (widget API, OpenAI door), and served again when it resumes")
    func stallDenied() async throws {
        let server = try await RedisTestServer(password: "pw-Never-Shown")
        let recorder = LogRecorder()
        // Room to spare: a call that timed out on the stalled server may still be counted once it resumes.
        // 5 s: a healthy Redis answers well within it even when the whole suite loads both cores
        // (with 2 s, the first turn timed out in a CI run); the stalled calls fail fast after the first.
        let host = try await Self.host(server, perDay: 10, onFailure: "deny", timeoutMilliseconds: 5_000, recorder: recorder)
        try await host.test { client in
            #expect(try await client.chat().status == .ok)

            server.pause()
            // Bounded by the store's 5 s timeout: none of these may hang.
            let refused = try await withDeadline(20) { try await client.chat() }
            #expect(refused.status == .serviceUnavailable)
            let body = String(buffer: refused.body)
            #expect(body.contains(#""code":"LIMITS_UNAVAILABLE""#) && body.contains("Usage limits cannot be checked"), "\(body)")
            let openAI = try await withDeadline(20) {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#))
            }
            #expect(openAI.status == .serviceUnavailable && String(buffer: openAI.body).contains(#""type":"server_error""#))
            let report = try await withDeadline(20) { try await client.execute(uri: "/api/rate-limit", method: .get) }
            #expect(report.status == .serviceUnavailable && String(buffer: report.body).contains("LIMITS_UNAVAILABLE"))
            let (degraded, limits) = try await Self.limits(client)
            #expect(degraded == "degraded" && limits["reachable"] as? Bool == false && limits["onStoreFailure"] as? String == "deny")
            let outage = recorder.lines.filter { $0.message.hasPrefix("rate limit store unreachable") }
            #expect(outage.count == 1 && outage.first?.message.contains("refused with 503") == true)

            server.resume()
            try await LiveHTTP.eventually { try await client.chat().status == .ok }
            let (healthy, _) = try await Self.limits(client)
            #expect(healthy == "healthy")
        }
        #expect(!recorder.lines.contains { $0.rendered.contains("pw-Never-Shown") }, "the password in the URL is never logged")
        await server.stop()
    }

    @Test("limits.store and its timeout need a restart, with a new password too; on_store_failure reloads live")
    func storeChangesNeedARestart() throws {
        func startup(_ limits: String, url: String = "redis://:one@cache:6379/0") throws -> StartupSettings {
            let yaml = "limits: \(limits)\nproviders:\n  echo: {plugin: echo}\nassistants:\n  default: {provider: echo, model: echo-1}\n"
            return StartupSettings(try ConfigurationReader.parse(yaml, source: "providers.yaml", environment: ["REDIS_URL": url]))
        }
        let memory = try startup("{requests_per_minute: 5}")
        let redis = try startup(#"{requests_per_minute: 5, store: "${REDIS_URL}"}"#)
        #expect(redis.changes(comparedWith: memory) == ["limits.store"])
        #expect(try startup(#"{store: "${REDIS_URL}"}"#, url: "redis://:two@cache:6379/0").changes(comparedWith: redis) == ["limits.store"])
        #expect(try startup(#"{store: "${REDIS_URL}", on_store_failure: deny}"#).changes(comparedWith: redis) == [])
        #expect(try startup(#"{store: "${REDIS_URL}", store_timeout_ms: 50}"#).changes(comparedWith: redis) == ["limits.store_timeout_ms"])
    }

    @Test("a reload that sets limits.store says it waits for a restart, and puts on_store_failure in force at once")
    func reloadNamesTheRestart() async throws {
        let base = "plugins: {directory: ./plugins}\nproviders: {echo: {plugin: echo}}\nassistants: {default: {provider: echo, model: echo-1}}\n"
        let deployment = try EchoDeployment(config: base)
        let recorder = LogRecorder()
        let libraries = PluginLibraryCache()
        let routes = try PatchbayLauncher.routes(configPath: deployment.config, libraries: libraries, logger: recorder.logger())
        let host = TestHost(routes: routes, reloading: .init(configPath: deployment.config, libraries: libraries, watch: false, environment: { [:] }),
                            logger: recorder.logger())
        try deployment.rewrite(base + #"limits: {store: "redis://:pw-Not-Logged@127.0.0.1:1/0", on_store_failure: deny}"# + "\n")
        let reload = try await host.testAdmin { try await $0.execute(uri: "/admin/reload", method: .post) }
        #expect(reload.status == .ok && String(buffer: reload.body).contains(#""result":"applied""#))
        #expect(recorder.lines.contains { $0.message == "changed settings take effect at the next restart: limits.store" })
        try await host.test { client in
            let (_, limits) = try await Self.limits(client)
            #expect(limits["store"] as? String == "memory" && limits["onStoreFailure"] as? String == "deny")
        }
        #expect(!recorder.lines.contains { $0.rendered.contains("pw-Not-Logged") })
    }
}
