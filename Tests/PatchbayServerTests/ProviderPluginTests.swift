import FakeUpstream
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayConfig
import PatchbayTestSupport
import Testing

@testable import PatchbayPluginHost
@testable import PatchbayServer

/// The real OpenAI and Anthropic plugins (libcurl inside) against the fake upstream, through
/// the real host.
enum ProviderHost {
    static let key = "sk-live-SECRET-KEY-0123456789abcdef"

    static func yaml(port: Int) -> String {
        """
        providers:
          openai: {plugin: openai, base_url: "http://127.0.0.1:\(port)/v1", api_key: "${UPSTREAM_KEY}", organization: org-42, project: proj_7, retry_deadline_ms: 10000}
          newer: {plugin: openai, base_url: "http://127.0.0.1:\(port)/v1/", api_key: "${UPSTREAM_KEY}", max_tokens_field: max_completion_tokens}
          impatient: {plugin: openai, base_url: "http://127.0.0.1:\(port)/v1", api_key: "${UPSTREAM_KEY}", first_byte_timeout_ms: 300, max_retries: 0}
          anthropic: {plugin: anthropic, base_url: "http://127.0.0.1:\(port)", api_key: "${UPSTREAM_KEY}", max_tokens: 1000}
          gemini: {plugin: gemini, base_url: "http://127.0.0.1:\(port)", api_key: "${UPSTREAM_KEY}", retry_deadline_ms: 10000}
        assistants:
          default: {provider: openai, model: gpt-4o-mini, temperature: 0.7, top_p: 0.9, max_tokens: 256, system_prompt: You are helpful.}
          newer: {provider: newer, model: o4-mini, max_tokens: 64}
          impatient: {provider: impatient, model: "fake:hang"}
          technical: {provider: anthropic, model: claude-sonnet-4-5, temperature: 0.3, system_prompt: Be precise.}
        """
    }

    static func make(port: Int, logger: Logger, extraAssistants: String = "") throws -> TestHost {
        try TestHost(yaml: yaml(port: port) + extraAssistants, environment: ["UPSTREAM_KEY": key],
                     plugins: ["OpenAIProvider", "AnthropicProvider", "GeminiProvider"], logger: logger)
    }

    /// A fake upstream, a host on it, and the router's test client.
    static func withRouter<T: Sendable>(
        recorder: LogRecorder = LogRecorder(),
        _ body: @escaping @Sendable (FakeUpstream, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try make(port: port, logger: recorder.logger())
            return try await host.test { client in
                try await body(upstream, client)
            }
        }
    }

    static func assistant(_ id: String, model: String, provider: String = "openai") -> String {
        "\n  \(id): {provider: \(provider), model: \"\(model)\"}"
    }
}

extension TestClientProtocol {
    func ask(_ assistant: String, _ text: String = "hello there", stream: Bool = true) async throws -> TestResponse {
        try await chat(#"{"messages":[{"role":"user","content":"\#(text)"}],"assistantType":"\#(assistant)","stream":\#(stream)}"#)
    }
}

/// The text of an SSE reply, and its last event.
func sseReply(_ response: TestResponse) throws -> (text: String, last: [String: Any]) {
    let events = String(buffer: response.body).components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
    let objects = try events.map { try #require(try JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any]) }
    return (objects.compactMap { $0["content"] as? String }.joined(), try #require(objects.last))
}

@Suite("The OpenAI, Anthropic and Gemini plugins against the fake upstream", .timeLimit(.minutes(2)))
struct ProviderPluginTests {
    @Test("OpenAI: the exact upstream request")
    func openAIRequest() async throws {
        try await ProviderHost.withRouter { upstream, client in
            let response = try await client.chat(#"{"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"reply"},{"role":"user","content":"second"}],"assistantType":"default"}"#)
            #expect(response.status == .ok)
            let request = try #require(upstream.requests.last)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/chat/completions")
            #expect(request.header("authorization") == "Bearer \(ProviderHost.key)")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("accept") == "text/event-stream")
            #expect(request.header("openai-organization") == "org-42")
            #expect(request.header("openai-project") == "proj_7")
            let body = try #require(request.json)
            #expect(body["model"] as? String == "gpt-4o-mini")
            #expect(body["stream"] as? Bool == true)
            #expect((body["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
            #expect(body["temperature"] as? Double == 0.7)
            #expect(body["top_p"] as? Double == 0.9)
            #expect(body["max_tokens"] as? Int == 256)
            let messages = try #require(body["messages"] as? [[String: String]])
            #expect(messages == [
                ["role": "system", "content": "You are helpful."],
                ["role": "user", "content": "first"], ["role": "assistant", "content": "reply"], ["role": "user", "content": "second"],
            ])

            _ = try await client.ask("newer", stream: false)
            let newer = try #require(upstream.requests.last?.json)
            #expect(newer["max_completion_tokens"] as? Int == 64)
            #expect(newer["max_tokens"] == nil)
            #expect(newer["stream"] as? Bool == false)
            #expect(newer["stream_options"] == nil)
        }
    }

    @Test("Anthropic: the exact upstream request — system on top, same-role turns merged, max_tokens always")
    func anthropicRequest() async throws {
        try await ProviderHost.withRouter { upstream, client in
            let response = try await client.chat(#"{"messages":[{"role":"system","content":"Answer in French."},{"role":"user","content":"one"},{"role":"user","content":"two"},{"role":"assistant","content":"ok"},{"role":"user","content":"three"}],"assistantType":"technical"}"#)
            #expect(response.status == .ok)
            let request = try #require(upstream.requests.last)
            #expect(request.path == "/v1/messages")
            #expect(request.header("x-api-key") == ProviderHost.key)
            #expect(request.header("anthropic-version") == "2023-06-01")
            #expect(request.header("authorization") == nil)
            let body = try #require(request.json)
            #expect(body["model"] as? String == "claude-sonnet-4-5")
            #expect(body["max_tokens"] as? Int == 1000)
            #expect(body["system"] as? String == "Be precise.\n\nAnswer in French.")
            #expect(body["temperature"] as? Double == 0.3)
            #expect(body["stream"] as? Bool == true)
            #expect(body["messages"] as? [[String: String]] == [
                ["role": "user", "content": "one\n\ntwo"], ["role": "assistant", "content": "ok"], ["role": "user", "content": "three"],
            ])
        }
    }

    @Test("streamed and non-streamed replies, with usage, from both plugins", arguments: ["default", "technical"])
    func replies(assistant: String) async throws {
        try await ProviderHost.withRouter { _, client in
            let streamed = try await client.ask(assistant, "three words here")
            #expect(streamed.status == .ok)
            let (text, last) = try sseReply(streamed)
            #expect(text == "Hello from the fake upstream.")
            #expect(String(buffer: streamed.body).hasPrefix(#"data: {"content":"Hello","done":false}"# + "\n\n"))
            let usage = try #require(last["usage"] as? [String: Any])
            #expect((usage["inputTokens"] as? Int ?? 0) > 0)
            #expect(usage["outputTokens"] as? Int == 5)
            #expect(last["finishReason"] as? String == (assistant == "default" ? "stop" : "end_turn"))

            let plain = try await client.ask(assistant, stream: false)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: plain.body)) as? [String: Any])
            #expect(json["content"] as? String == "Hello from the fake upstream.")
            #expect((json["usage"] as? [String: Any])?["outputTokens"] as? Int == 5)
        }
    }

    /// Each fault the fake upstream can play, and what the widget sees.
    @Test(
        "upstream faults become the host's error codes",
        arguments: [
            ("openai", "fake:status=500", 502, "PROVIDER_ERROR", 3),
            ("openai", "fake:status=502", 502, "PROVIDER_ERROR", 3),
            ("openai", "fake:status=503", 503, "PROVIDER_UNAVAILABLE", 3),
            ("openai", "fake:status=429,retry_after=0", 503, "PROVIDER_UNAVAILABLE", 3),
            ("anthropic", "fake:status=529", 503, "PROVIDER_UNAVAILABLE", 3),
            ("anthropic", "fake:status=500", 502, "PROVIDER_ERROR", 3),
            ("gemini", "fake:status=503", 503, "PROVIDER_UNAVAILABLE", 3),
            ("gemini", "fake:status=429,retry_after=0", 503, "PROVIDER_UNAVAILABLE", 3),
            ("gemini", "fake:status=500", 502, "PROVIDER_ERROR", 3),
            ("gemini", "fake:status=400", 502, "PROVIDER_ERROR", 1),
            ("gemini", "fake:status=403", 502, "PROVIDER_ERROR", 1),
            ("gemini", "fake:status=404", 502, "PROVIDER_ERROR", 1),
        ] as [(String, String, Int, String, Int)]
    )
    func faultsBeforeTheFirstByte(provider: String, model: String, status: Int, code: String, attempts: Int) async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(), extraAssistants: ProviderHost.assistant("fault", model: model, provider: provider))
            try await host.test { client in
                let response = try await client.ask("fault")
                #expect(response.status.code == status)
                #expect(String(buffer: response.body).contains(#""code":"\#(code)""#))
                #expect(upstream.requests.count == attempts, "retried: one try and two retries; refused: one")
            }
        }
    }

    @Test("a 429 or 503 with Retry-After is retried after the wait, and the retry's answer streams", arguments: [
        ("openai", "fake:status=429,retry_after=1,fail_first=1"), ("gemini", "fake:status=503,retry_after=1,fail_first=1"),
    ])
    func retryAfterHonoured(provider: String, model: String) async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(),
                                                   extraAssistants: ProviderHost.assistant("limited", model: model, provider: provider))
            try await host.test { client in
                let started = ContinuousClock.now
                let response = try await client.ask("limited")
                #expect(response.status == .ok)
                #expect(try sseReply(response).text == "Hello from the fake upstream.")
                #expect(upstream.requests.count == 2)
                #expect(started.duration(to: .now) >= .seconds(1), "Retry-After: 1 was honoured")
            }
        }
    }

    @Test(
        "failures after the first byte are never retried: the stream ends with an error event",
        arguments: [
            ("openai", "fake:drop_after=2", 2, "PROVIDER_UNAVAILABLE"),
            ("openai", "fake:malformed", 1, "PROVIDER_ERROR"),
            ("anthropic", "fake:error_event", 1, "PROVIDER_UNAVAILABLE"),
            ("anthropic", "fake:drop_after=3", 3, "PROVIDER_UNAVAILABLE"),
            ("gemini", "fake:drop_after=2", 2, "PROVIDER_UNAVAILABLE"),
            ("gemini", "fake:error_event", 1, "PROVIDER_UNAVAILABLE"),
            ("gemini", "fake:malformed", 1, "PROVIDER_ERROR"),
        ] as [(String, String, Int, String)]
    )
    func midStreamFailures(provider: String, model: String, deltas: Int, code: String) async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(), extraAssistants: ProviderHost.assistant("broken", model: model, provider: provider))
            try await host.test { client in
                let response = try await client.ask("broken")
                #expect(response.status == .ok)
                let frames = String(buffer: response.body).components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
                #expect(frames.count == deltas + 1)
                let (_, last) = try sseReply(response)
                #expect(last["done"] as? Bool == true)
                #expect((last["error"] as? [String: Any])?["code"] as? String == code)
                #expect(upstream.requests.count == 1, "no retry once the client has text")
            }
        }
    }

    /// Compatible servers and proxies answer in a form other than the one asked for: the reply
    /// is read by its Content-Type.
    @Test(
        "a reply is read by its Content-Type: JSON to a stream, a stream to JSON, HTML refused",
        arguments: ["openai", "anthropic", "gemini"]
    )
    func replyReadByContentType(provider: String) async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let extra = ProviderHost.assistant("whole", model: "fake:reply=json", provider: provider)
                + ProviderHost.assistant("streamed", model: "fake:reply=stream", provider: provider)
                + ProviderHost.assistant("portal", model: "fake:reply=html", provider: provider)
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(), extraAssistants: extra)
            try await host.test { client in
                // A stream asked, one JSON reply arrived: streamed to the client as a delta and a DONE with usage.
                let whole = try await client.ask("whole", stream: true)
                #expect(whole.status == .ok)
                let (text, last) = try sseReply(whole)
                #expect(text == "Hello from the fake upstream.")
                #expect(last["done"] as? Bool == true && last["error"] == nil)
                #expect((last["usage"] as? [String: Any])?["outputTokens"] as? Int == 5)

                // JSON asked, an event stream arrived: read as a stream, answered as JSON.
                let streamed = try await client.ask("streamed", stream: false)
                #expect(streamed.status == .ok)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: streamed.body)) as? [String: Any])
                #expect(json["content"] as? String == "Hello from the fake upstream.")

                // Neither: a clear PROVIDER_ERROR, not retried (a page will not turn into a reply).
                let before = upstream.requests.count
                let portal = try await client.ask("portal", stream: false)
                #expect(portal.status.code == 502)
                #expect(String(buffer: portal.body).contains(#""code":"PROVIDER_ERROR""#))
                #expect(upstream.requests.count == before + 1)
            }
        }
    }

    @Test("frames split mid-line and mid-UTF-8 character reassemble exactly", arguments: ["openai", "anthropic", "gemini"])
    func splitFrames(provider: String) async throws {
        try await FakeUpstream.withRunning { _, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(), extraAssistants: ProviderHost.assistant("split", model: "fake:split", provider: provider))
            try await host.test { client in
                let response = try await client.ask("split")
                let (text, last) = try sseReply(response)
                #expect(last["error"] == nil)
                #expect(text == "Héllo wörld 👋 from the fake upstream.")
                #expect(!text.contains("\u{FFFD}"), "no character was broken")
            }
        }
    }

    @Test("a first-byte deadline turns a hanging upstream into 504 TIMEOUT")
    func firstByteTimeout() async throws {
        try await ProviderHost.withRouter { upstream, client in
            let response = try await client.ask("impatient")
            #expect(response.status == .gatewayTimeout)
            #expect(String(buffer: response.body).contains(#""code":"TIMEOUT""#))
            await upstream.waitUntil { $0.contains(.clientDisconnected(path: "/v1/chat/completions")) }
        }
    }

    @Test("a client that disconnects makes the upstream see its connection closed", arguments: [
        ("openai", "/v1/chat/completions"), ("gemini", "/v1beta/models/fake:deltas=100,interval=20:streamGenerateContent"),
    ])
    func disconnectReachesUpstream(provider: String, path: String) async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(),
                                                   extraAssistants: ProviderHost.assistant("slow", model: "fake:deltas=100,interval=20", provider: provider))
            try await host.live { serverPort in
                _ = try await RawHTTPClient.exchange(
                    port: serverPort, request: RawHTTPClient.post("/api/chat", json: #"{"message":"hi","assistantType":"slow","stream":true}"#)
                ) { try await RawHTTPClient.read(&$0) { $0.contains(#""done":false"#) } }
                try await withDeadline { await upstream.waitUntil { $0.contains(.clientDisconnected(path: path)) } }
                let sent = upstream.events.filter { if case .deltaSent = $0 { true } else { false } }.count
                #expect(sent < 100, "the upstream stopped early: \(sent) of 100 deltas")
            }
        }
    }

    /// Nothing is written after the client leaves, so no failed write can tell the server: the
    /// connection's own closing must (and must not cost keep-alive to streams that end normally).
    @Test("a client that leaves a stream that has gone quiet cancels the upstream call at once")
    func disconnectWhileQuiet() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(),
                                             extraAssistants: ProviderHost.assistant("stalled", model: "fake:hang_after=1"))
            try await host.live { serverPort in
                _ = try await RawHTTPClient.exchange(
                    port: serverPort, request: RawHTTPClient.post("/api/chat", json: #"{"message":"hi","assistantType":"stalled","stream":true}"#)
                ) { try await RawHTTPClient.read(&$0) { $0.contains(#""done":false"#) } }
                try await withDeadline { await upstream.waitUntil { $0.contains(.clientDisconnected(path: "/v1/chat/completions")) } }
            }
        }
    }

    @Test("a full run's log holds no API key")
    func logsHoldNoKey() async throws {
        let recorder = LogRecorder()
        try await FakeUpstream.withRunning { upstream, port in
            let extra = ProviderHost.assistant("e500", model: "fake:status=500")
                + ProviderHost.assistant("e401", model: "fake:status=401")
                + ProviderHost.assistant("drop", model: "fake:drop_after=1", provider: "anthropic")
            let host = try ProviderHost.make(port: port, logger: recorder.logger(), extraAssistants: extra)
            try await host.test { client in
                for assistant in ["default", "technical", "e500", "e401", "drop", "impatient"] {
                    _ = try await client.ask(assistant)
                    _ = try await client.ask(assistant, stream: false)
                }
            }
        }
        #expect(recorder.lines.count > 10)
        #expect(recorder.lines.contains { $0.level >= .warning }, "the failures were logged")
        for line in recorder.lines {
            #expect(!line.rendered.contains(ProviderHost.key))
            #expect(!line.rendered.contains("SECRET-KEY"), "not even part of it: \(line.rendered)")
        }
    }
}
