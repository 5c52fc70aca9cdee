import FakeUpstream
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayStorage
import PatchbayTestSupport
import Synchronization
import Testing

@testable import PatchbayServer

/// A clock the routing tests move by hand: breakers and key cool-downs count in it, never in
/// real time, so nothing waits.
final class SteppedClock: Sendable {
    private let instant = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { instant.withLock { $0 } }
    var read: @Sendable () -> Date { { [self] in now } }

    func advance(seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Resilient routing with the real OpenAI plugin against the fake upstream's faults: fallbacks,
/// several keys, circuit breakers.
@Suite("Routing: fallbacks, keys and circuit breakers against the fake upstream", .timeLimit(.minutes(2)))
struct RoutingFallbackTests {
    static let keyA = "sk-routing-KEY-A-0123456789"
    static let keyB = "sk-routing-KEY-B-9876543210"

    /// Providers on the fake upstream (no plugin retries, so each turn's calls are counted
    /// exactly), then `assistants`.
    static func yaml(port: Int, assistants: String) -> String {
        let upstream = "plugin: openai, base_url: \"http://127.0.0.1:\(port)/v1\", max_retries: 0"
        return """
            providers:
              primary: {\(upstream), api_key: "${KEY_A}"}
              backup: {\(upstream), api_key: "${KEY_B}"}
              pool: {\(upstream), api_keys: ["${KEY_A}", "${KEY_B}"]}
              flaky: {\(upstream), api_key: "${KEY_A}", circuit_breaker: {failures: 2, cool_down_seconds: 30}}
              fragile: {\(upstream), api_key: "${KEY_B}", circuit_breaker: {failures: 1, cool_down_seconds: 45}}
            assistants:
            \(assistants)
            """
    }

    /// A fake upstream, and a host on it with `assistants` and a stepped clock.
    static func withHost(
        _ assistants: String, clock: SteppedClock = SteppedClock(), store: (any ConversationStore)? = nil, recorder: LogRecorder = LogRecorder(),
        _ body: @escaping @Sendable (FakeUpstream, any TestClientProtocol, _ readMetrics: @Sendable () async throws -> String) async throws -> Void
    ) async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try TestHost(yaml: yaml(port: port, assistants: assistants), environment: ["KEY_A": keyA, "KEY_B": keyB],
                                    plugins: ["OpenAIProvider"], store: store, clock: clock.read, logger: recorder.logger())
            // /metrics is the admin listener's.
            let metrics: @Sendable () async throws -> String = {
                try await host.testAdmin { String(buffer: try await $0.execute(uri: "/metrics", method: .get).body) }
            }
            try await host.test { client in try await body(upstream, client, metrics) }
        }
    }

    static func health(_ client: some TestClientProtocol) async throws -> [String: Any] {
        let body = try await client.execute(uri: "/health", method: .get).body
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    /// The /health entry of the target `provider`/`model`.
    static func target(_ health: [String: Any], _ provider: String) throws -> [String: Any] {
        let targets = try #require(health["targets"] as? [[String: Any]])
        return try #require(targets.first { $0["provider"] as? String == provider })
    }

    static let fallback = """
          default:
            targets:
              - {provider: primary, model: "fake:status=503"}
              - {provider: backup, model: gpt-4o-mini, fallback: true, max_tokens: 3}
        """

    @Test("a primary answering 503 falls back before any text: one clean reply, from the fallback, said everywhere")
    func fallbackOn503() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/c.sqlite", logger: LogRecorder().logger())
        let recorder = LogRecorder()
        try await Self.withHost(Self.fallback, store: store, recorder: recorder) { upstream, client, readMetrics in
            let streamed = try await client.chat(#"{"message":"hello","stream":true,"conversationId":"c-1"}"#)
            #expect(streamed.status == .ok)
            #expect(streamed.headers[.init("X-Patchbay-Provider")!] == "backup")
            #expect(streamed.headers[.init("X-Patchbay-Model")!] == "gpt-4o-mini")
            let (text, last) = try sseReply(streamed)
            #expect(text == "Hello from the", "the fallback's own max_tokens (3) applied")
            let frames = String(buffer: streamed.body).components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            #expect(frames.count == 4, "three deltas and one final frame, nothing from the failed primary")
            #expect(last["error"] == nil)
            #expect(last["provider"] as? String == "backup")
            #expect(last["model"] as? String == "gpt-4o-mini")

            let calls = upstream.requests
            #expect(calls.count == 2)
            #expect(calls.first?.json?["model"] as? String == "fake:status=503")
            #expect(calls.last?.json?["model"] as? String == "gpt-4o-mini")
            #expect(calls.last?.json?["max_tokens"] as? Int == 3)
            #expect(calls.last?.header("authorization") == "Bearer \(Self.keyB)")

            let stored = try await store.messages(conversationID: "c-1", page: 1, limit: 10).messages
            #expect(stored.last?.provider == "backup")
            #expect(stored.last?.model == "gpt-4o-mini")
            #expect(stored.last?.status == .complete)
            let access = try #require(recorder.lines.last { $0.message == "request" })
            #expect(access.metadata["provider"] == "backup")
            #expect(access.metadata["model"] == "gpt-4o-mini")
            #expect(access.metadata["fallbacks"] == "1")

            // Not streamed, and through the OpenAI-compatible door: the same.
            let plain = try await client.ask("default", stream: false)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: plain.body)) as? [String: Any])
            #expect(json["content"] as? String == "Hello from the")
            #expect(json["provider"] as? String == "backup")
            let openAI = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#))
            #expect(openAI.status == .ok)
            #expect(openAI.headers[.init("X-Patchbay-Provider")!] == "backup")

            let metrics = try await readMetrics()
            let series = #"patchbay_fallbacks_total{assistant="default",provider="primary",model="fake:status=503",reason="PROVIDER_UNAVAILABLE"}"#
            #expect(MetricsTests.sample(metrics, series) == 3)
        }
    }

    @Test("a primary failing after its first delta does not fall back: the stream ends with the error")
    func noFallbackAfterText() async throws {
        let assistants = """
              default:
                targets:
                  - {provider: primary, model: "fake:drop_after=2"}
                  - {provider: backup, model: gpt-4o-mini, fallback: true}
            """
        try await Self.withHost(assistants) { upstream, client, readMetrics in
            let response = try await client.ask("default")
            #expect(response.status == .ok)
            let (text, last) = try sseReply(response)
            #expect(text == "Hello from")
            #expect((last["error"] as? [String: Any])?["code"] as? String == "PROVIDER_UNAVAILABLE")
            #expect(last["provider"] as? String == "primary")
            #expect(upstream.requests.count == 1, "the fallback was never called")
            #expect(!(try await readMetrics()).contains("patchbay_fallbacks_total{"))
        }
    }

    @Test("a key answered 429 cools down for its Retry-After while the other key serves; then it is tried again")
    func keyCoolDown() async throws {
        let clock = SteppedClock()
        let assistants = "  default: {provider: pool, model: \"fake:fail_key=\(Self.keyA),status=429,retry_after=120\"}"
        try await Self.withHost(assistants, clock: clock) { upstream, client, readMetrics in
            for _ in 0..<4 {
                let response = try await client.ask("default", stream: false)
                #expect(response.status == .ok, "every turn answered: \(String(buffer: response.body))")
            }
            let withA = { upstream.requests.filter { $0.header("authorization") == "Bearer \(Self.keyA)" }.count }
            #expect(withA() == 1, "key A was used once, then rested")
            #expect(upstream.requests.count == 5)
            let keys = try #require((try await Self.health(client)["providers"] as? [[String: Any]])?.first { $0["name"] as? String == "pool" }?["keys"] as? [[String: Any]])
            #expect(keys.map { $0["state"] as? String } == ["rate_limited", "available"])
            let until = clock.now.addingTimeInterval(120)
            #expect(keys.first?["until"] as? String == until.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)),
                    "the upstream's Retry-After: 120")
            let metrics = try await readMetrics()
            #expect(MetricsTests.sample(metrics, #"patchbay_provider_key_cooldowns_total{provider="pool",key="0",reason="rate_limited"}"#) == 1)

            // Past the Retry-After, key A takes its turn again (and is refused again).
            clock.advance(seconds: 121)
            for _ in 0..<2 { #expect(try await client.ask("default", stream: false).status == .ok) }
            #expect(withA() == 2)
        }
    }

    @Test("a key answered 401 is reported as rejected in /health; the other key serves")
    func rejectedKey() async throws {
        let assistants = "  default: {provider: pool, model: \"fake:fail_key=\(Self.keyB),status=401\"}"
        try await Self.withHost(assistants) { upstream, client, readMetrics in
            for _ in 0..<3 { #expect(try await client.ask("default").status == .ok) }
            #expect(upstream.requests.filter { $0.header("authorization") == "Bearer \(Self.keyB)" }.count == 1)
            let health = try await Self.health(client)
            #expect(health["status"] as? String == "degraded")
            let pool = try #require((health["providers"] as? [[String: Any]])?.first { $0["name"] as? String == "pool" })
            #expect((pool["keys"] as? [[String: Any]])?.map { $0["state"] as? String } == ["available", "rejected"])
            #expect(!String(describing: health["providers"] ?? "").contains("KEY-B"), "no key is shown")
        }
    }

    @Test("a breaker opens after its failures, rejects fast, half-opens after the cool-down, and one probe decides")
    func breakerCycle() async throws {
        let clock = SteppedClock()
        // Fails the first three calls, then answers.
        let assistants = "  default: {provider: flaky, model: \"fake:status=503,fail_first=3\"}"
        try await Self.withHost(assistants, clock: clock) { upstream, client, readMetrics in
            for _ in 0..<2 { #expect(try await client.ask("default", stream: false).status == .serviceUnavailable) }
            var target = try Self.target(try await Self.health(client), "flaky")
            #expect(target["state"] as? String == "open")
            #expect(target["lastErrorCode"] as? String == "PROVIDER_UNAVAILABLE")
            #expect(target["consecutiveFailures"] as? Int == 2)

            // Open: refused at once, the upstream not called.
            let refused = try await client.ask("default", stream: false)
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "30")
            #expect(String(buffer: refused.body).contains(#""code":"PROVIDER_UNAVAILABLE""#))
            #expect(upstream.requests.count == 2)

            // Cool-down over: one probe goes, fails (the third failure), and the breaker opens again.
            clock.advance(seconds: 30)
            #expect(try await client.ask("default", stream: false).status == .serviceUnavailable)
            #expect(upstream.requests.count == 3)
            #expect(try Self.target(try await Self.health(client), "flaky")["state"] as? String == "open")
            #expect(try await client.ask("default", stream: false).headers[.retryAfter] == "30")
            #expect(upstream.requests.count == 3)

            // The next probe is answered: closed, and calls flow.
            clock.advance(seconds: 30)
            #expect(try await client.ask("default", stream: false).status == .ok)
            target = try Self.target(try await Self.health(client), "flaky")
            #expect(target["state"] as? String == "closed")
            #expect(target["consecutiveFailures"] as? Int == 0)
            #expect(try await client.ask("default", stream: false).status == .ok)
            #expect(upstream.requests.count == 5)

            let metrics = try await readMetrics()
            let labels = #"provider="flaky",model="fake:status=503,fail_first=3""#
            #expect(MetricsTests.sample(metrics, "patchbay_circuit_state{\(labels)}") == 0)
            #expect(MetricsTests.sample(metrics, "patchbay_circuit_transitions_total{\(labels),state=\"open\"}") == 2)
            #expect(MetricsTests.sample(metrics, "patchbay_circuit_transitions_total{\(labels),state=\"half_open\"}") == 2)
            #expect(MetricsTests.sample(metrics, "patchbay_circuit_transitions_total{\(labels),state=\"closed\"}") == 1)
        }
    }

    @Test("every target open: an immediate 503 PROVIDER_UNAVAILABLE with Retry-After, on every door")
    func allTargetsOpen() async throws {
        let assistants = """
              default:
                targets:
                  - {provider: flaky, model: "fake:status=503"}
                  - {provider: fragile, model: "fake:status=502", fallback: true}
            """
        try await Self.withHost(assistants) { upstream, client, readMetrics in
            // flaky needs two failures, fragile one: after two turns, both are open.
            for _ in 0..<2 { #expect(try await client.ask("default", stream: false).status.code >= 500) }
            #expect(upstream.requests.count == 3, "flaky twice, fragile once (then skipped as open)")
            let health = try await Self.health(client)
            #expect(try Self.target(health, "flaky")["state"] as? String == "open")
            #expect(try Self.target(health, "fragile")["state"] as? String == "open")
            #expect(health["status"] as? String == "degraded")

            let refused = try await client.ask("default")
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "30", "the soonest target back (flaky, 30 s)")
            #expect(String(buffer: refused.body).contains(#""code":"PROVIDER_UNAVAILABLE""#))
            let openAI = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#))
            #expect(openAI.status == .serviceUnavailable)
            #expect(openAI.headers[.retryAfter] == "30")
            #expect(upstream.requests.count == 3, "no upstream call while every circuit is open")
        }
    }
}
