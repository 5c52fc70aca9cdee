import FakeUpstream
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The real Gemini plugin (libcurl inside) against the fake upstream's Gemini API, through the
/// real host.
enum GeminiHost {
    static let key = "AIzaSy-SECRET-GEMINI-KEY-0123456789"

    static func yaml(port: Int) -> String {
        """
        providers:
          gemini: {plugin: gemini, base_url: "http://127.0.0.1:\(port)/", api_key: "${GEMINI_KEY}", retry_deadline_ms: 10000}
          impatient: {plugin: gemini, base_url: "http://127.0.0.1:\(port)", api_key: "${GEMINI_KEY}", first_byte_timeout_ms: 300, max_retries: 0}
        assistants:
          default: {provider: gemini, model: gemini-2.5-flash, temperature: 0.4, top_p: 0.9, max_tokens: 256, system_prompt: You are helpful.}
          impatient: {provider: impatient, model: "fake:hang"}
        """
    }

    static func make(port: Int, logger: Logger, extraAssistants: String = "") throws -> TestHost {
        try TestHost(yaml: yaml(port: port) + extraAssistants, environment: ["GEMINI_KEY": key], plugins: ["GeminiProvider"], logger: logger)
    }

    /// A fake upstream, a host on it with `extraAssistants`, and the router's test client.
    static func withRouter<T: Sendable>(
        extraAssistants: String = "", recorder: LogRecorder = LogRecorder(),
        _ body: @escaping @Sendable (FakeUpstream, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await FakeUpstream.withRunning { upstream, port in
            try await make(port: port, logger: recorder.logger(), extraAssistants: extraAssistants).test { client in
                try await body(upstream, client)
            }
        }
    }

    static func assistant(_ id: String, model: String) -> String {
        "\n  \(id): {provider: gemini, model: \"\(model)\"}"
    }

    static let streamPath = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
}

@Suite("The Gemini plugin against the fake upstream: its own cases (the shared ones are ProviderPluginTests)", .timeLimit(.minutes(2)))
struct GeminiPluginTests {
    @Test("the exact upstream request: URL, key header, systemInstruction, merged turns, generationConfig")
    func exactRequest() async throws {
        try await GeminiHost.withRouter { upstream, client in
            let response = try await client.chat(
                #"{"messages":[{"role":"system","content":"Answer in French."},{"role":"user","content":"one"},{"role":"user","content":"two"},{"role":"assistant","content":"ok"},{"role":"user","content":"three"}],"assistantType":"default"}"#)
            #expect(response.status == .ok)
            let request = try #require(upstream.requests.last)
            #expect(request.method == "POST")
            #expect(request.path == GeminiHost.streamPath)
            #expect(request.query == "alt=sse", "the key is never in the URL")
            #expect(request.header("x-goog-api-key") == GeminiHost.key)
            #expect(request.header("authorization") == nil)
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("accept") == "text/event-stream")
            let body = try #require(request.json)
            #expect(body.keys.sorted() == ["contents", "generationConfig", "systemInstruction"])
            #expect(body["systemInstruction"] as? [String: [[String: String]]] == ["parts": [["text": "You are helpful.\n\nAnswer in French."]]])
            let contents = try #require(body["contents"] as? [[String: Any]])
            #expect(contents.map { $0["role"] as? String } == ["user", "model", "user"])
            #expect(contents.map { $0["parts"] as? [[String: String]] } == [[["text": "one\n\ntwo"]], [["text": "ok"]], [["text": "three"]]])
            let config = try #require(body["generationConfig"] as? [String: Any])
            #expect(config["temperature"] as? Double == 0.4)
            #expect(config["topP"] as? Double == 0.9)
            #expect(config["maxOutputTokens"] as? Int == 256)

            // Stop sequences come through the OpenAI door; a whole reply is asked of :generateContent.
            let stops = try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                body: .init(string: #"{"model":"default","messages":[{"role":"user","content":"hi"}],"stop":["END","Q:"]}"#))
            #expect(stops.status == .ok)
            let plain = try #require(upstream.requests.last)
            #expect(plain.path == "/v1beta/models/gemini-2.5-flash:generateContent")
            #expect(plain.query == "")
            #expect(plain.header("accept") == "application/json")
            #expect((plain.json?["generationConfig"] as? [String: Any])?["stopSequences"] as? [String] == ["END", "Q:"])
        }
    }

    @Test("streamed and whole replies, with usage and finish reasons")
    func replies() async throws {
        try await GeminiHost.withRouter(extraAssistants: GeminiHost.assistant("short", model: "fake:deltas=8")) { _, client in
            let streamed = try await client.ask("default", "three words here")
            #expect(streamed.status == .ok)
            let (text, last) = try sseReply(streamed)
            #expect(text == "Hello from the fake upstream.")
            let usage = try #require(last["usage"] as? [String: Any])
            #expect(usage["inputTokens"] as? Int == 6, "three words and the system prompt's three")
            #expect(usage["outputTokens"] as? Int == 5)
            #expect(last["finishReason"] as? String == "stop")

            let plain = try await client.ask("default", stream: false)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: plain.body)) as? [String: Any])
            #expect(json["content"] as? String == "Hello from the fake upstream.")
            #expect((json["usage"] as? [String: Any])?["outputTokens"] as? Int == 5)
        }
    }

    @Test("maxOutputTokens reached: the reply ends as length")
    func maxTokens() async throws {
        let terse = "\n  terse: {provider: gemini, model: gemini-2.5-flash, max_tokens: 2}"
        try await GeminiHost.withRouter(extraAssistants: terse) { _, client in
            let response = try await client.ask("terse")
            let (text, last) = try sseReply(response)
            #expect(text == "Hello from")
            #expect(last["finishReason"] as? String == "length")
        }
    }

    @Test("a safety stop is an INVALID_REQUEST the user can read, before or after the first delta, and never retried")
    func safetyStops() async throws {
        let extra = GeminiHost.assistant("stopped", model: "fake:safety") + GeminiHost.assistant("blocked", model: "fake:safety=prompt")
        let recorder = LogRecorder()
        try await GeminiHost.withRouter(extraAssistants: extra, recorder: recorder) { upstream, client in
            let stopped = try await client.ask("stopped")
            #expect(stopped.status == .ok)
            let (text, last) = try sseReply(stopped)
            #expect(text == "Hello")
            let error = try #require(last["error"] as? [String: Any])
            #expect(error["code"] as? String == "INVALID_REQUEST")
            #expect(error["message"] as? String == "The AI provider could not accept this request.")

            let blocked = try await client.ask("blocked", stream: false)
            #expect(blocked.status == .badRequest)
            #expect(String(buffer: blocked.body).contains(#""code":"INVALID_REQUEST""#))
            #expect(!String(buffer: blocked.body).contains("SAFETY"), "the upstream's words stay in the log")
            let blockedStream = try await client.ask("blocked")
            #expect(blockedStream.status == .badRequest)
            #expect(upstream.requests.count == 3, "a filter's verdict is not retried")
        }
        #expect(recorder.lines.contains { $0.rendered.contains("Gemini stopped the reply (SAFETY)") })
        #expect(recorder.lines.contains { $0.rendered.contains("Gemini blocked the prompt (SAFETY)") })
    }

    @Test("a first-byte deadline turns a hanging upstream into 504 TIMEOUT, and the upstream sees the call end")
    func firstByteTimeout() async throws {
        try await GeminiHost.withRouter { upstream, client in
            let response = try await client.ask("impatient")
            #expect(response.status == .gatewayTimeout)
            #expect(String(buffer: response.body).contains(#""code":"TIMEOUT""#))
            await upstream.waitUntil { $0.contains(.clientDisconnected(path: "/v1beta/models/fake:hang:streamGenerateContent")) }
        }
    }

    @Test("settings: unknown keys refused, base_url checked, the key required")
    func settingsChecked() throws {
        func problems(_ provider: String) throws -> String {
            let yaml = "providers:\n  gemini: \(provider)\nassistants:\n  default: {provider: gemini, model: gemini-2.5-flash}\n"
            return try TestHost.routes(yaml: yaml, environment: ["GEMINI_KEY": GeminiHost.key], plugins: ["GeminiProvider"]).problems.map { "\($0)" }.joined(separator: "\n")
        }
        #expect(try problems(#"{plugin: gemini, api_key: "${GEMINI_KEY}", modle: x}"#).contains("unknown setting 'modle'"))
        #expect(try problems(#"{plugin: gemini, api_key: "${GEMINI_KEY}", base_url: "generativelanguage.googleapis.com"}"#).contains("base_url must start with http:// or https://"))
        #expect(try problems("{plugin: gemini}").contains("api_key"))
        #expect(try problems(#"{plugin: gemini, api_key: "${GEMINI_KEY}"}"#).isEmpty)
    }

    @Test("a full run's log holds no API key")
    func logsHoldNoKey() async throws {
        let recorder = LogRecorder()
        let extra = GeminiHost.assistant("e500", model: "fake:status=500") + GeminiHost.assistant("e403", model: "fake:status=403")
            + GeminiHost.assistant("drop", model: "fake:drop_after=1") + GeminiHost.assistant("safety", model: "fake:safety")
        try await GeminiHost.withRouter(extraAssistants: extra, recorder: recorder) { _, client in
            for assistant in ["default", "e500", "e403", "drop", "safety", "impatient"] {
                _ = try await client.ask(assistant)
                _ = try await client.ask(assistant, stream: false)
            }
        }
        #expect(recorder.lines.count > 10)
        #expect(recorder.lines.contains { $0.level >= .warning }, "the failures were logged")
        for line in recorder.lines {
            #expect(!line.rendered.contains(GeminiHost.key))
            #expect(!line.rendered.contains("SECRET-GEMINI"), "not even part of it: \(line.rendered)")
        }
    }
}
