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

/// `GET /metrics`, read as Prometheus text, moving as requests are made.
@Suite("Prometheus metrics")
struct MetricsTests {
    /// The value of one sample line (`name{labels} value`), or nil when there is none.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("requests, latencies, time to first token, tokens, streams and refusals move as requests are made")
    func metricsMove() async throws {
        let host = try RateLimitedHost("limits: {requests_per_minute: 3}")
        try await host.test { client in
            let before = String(buffer: try await host.host.testAdmin { try await $0.execute(uri: "/metrics", method: .get) }.body)
            #expect(Self.sample(before, #"patchbay_active_streams"#) == 0)
            #expect(Self.sample(before, #"patchbay_http_requests_total{method="POST",route="/api/chat",status="200"}"#) == nil)

            #expect(try await client.chat(message: "one two three").status == .ok)
            #expect(try await client.chat(message: "four five", stream: true).status == .ok)
            #expect(try await client.chat(assistant: "slow", message: "six").status == .ok)
            #expect(try await client.chat(message: "refused").status == .tooManyRequests)
            _ = try await client.execute(uri: "/api/conversations/nope", method: .get)

            let response = try await host.host.testAdmin { try await $0.execute(uri: "/metrics", method: .get) }
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = String(buffer: response.body)
            #expect(Self.sample(text, #"patchbay_http_requests_total{method="POST",route="/api/chat",status="200"}"#) == 3)
            #expect(Self.sample(text, #"patchbay_http_requests_total{method="POST",route="/api/chat",status="429"}"#) == 1)
            // A path with an id is counted under its route's pattern, not once per id.
            #expect(Self.sample(text, #"patchbay_http_requests_total{method="GET",route="/api/conversations/{id}",status="404"}"#) == 1)
            #expect(Self.sample(text, #"patchbay_http_requests_total{method="GET",route="/metrics",status="200"}"#) == 1)
            #expect(Self.sample(text, #"patchbay_http_request_duration_seconds_count{method="POST",route="/api/chat"}"#) == 4)
            #expect(Self.sample(text, #"patchbay_provider_calls_total{provider="echo",model="echo-1",outcome="complete"}"#) == 2)
            #expect(Self.sample(text, #"patchbay_provider_latency_seconds_count{provider="slow",model="echo-1"}"#) == 1)
            #expect(Self.sample(text, #"patchbay_provider_time_to_first_token_seconds_count{provider="echo",model="echo-1"}"#) == 2)
            // The echo plugin counts words: 3 + 2 in, and as many out.
            #expect(Self.sample(text, #"patchbay_tokens_total{assistant="default",provider="echo",model="echo-1",kind="input"}"#) == 5)
            #expect(Self.sample(text, #"patchbay_tokens_total{assistant="default",provider="echo",model="echo-1",kind="output"}"#) == 5)
            #expect(Self.sample(text, #"patchbay_rate_limit_refusals_total{limit="minute"}"#) == 1)
            #expect(Self.sample(text, #"patchbay_active_streams"#) == 0)
            #expect(text.contains("# TYPE patchbay_provider_latency_seconds histogram"))
        }
    }

    @Test("plugin load failures and reloads are counted")
    func reloadsCounted() async throws {
        let deployment = try EchoDeployment(config: "plugins: {directory: ./plugins}\nproviders: {echo: {plugin: echo}}\nassistants: {default: {provider: echo, model: echo-1}}\n")
        let config = deployment.config
        let logger = LogRecorder().logger()
        let libraries = PluginLibraryCache()
        let host = TestHost(routes: try PatchbayLauncher.routes(configPath: config, libraries: libraries, logger: logger),
                            reloading: .init(configPath: config, libraries: libraries, watch: false), logger: logger)
        let reloader = try #require(host.application.reloader)

        try "not ELF".write(toFile: "\(deployment.plugins)/libBroken.so", atomically: true, encoding: .utf8)
        #expect(await reloader.reload(trigger: .plugins).result == .applied)
        // The same broken file again is not a new failure.
        #expect(await reloader.reload(trigger: .signal).result == .applied)
        try deployment.rewrite("providers: [")
        let rejected = await reloader.reload(trigger: .file)
        #expect(rejected.result == .rejected)
        #expect(host.application.settings.lastReload == rejected)

        let text = String(decoding: host.application.metrics.render(), as: UTF8.self)
        #expect(Self.sample(text, #"patchbay_config_reloads_total{result="applied"}"#) == 2)
        #expect(Self.sample(text, #"patchbay_config_reloads_total{result="rejected"}"#) == 1)
        #expect(Self.sample(text, "patchbay_plugin_load_failures_total") == 1)
    }
}
