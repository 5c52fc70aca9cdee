import FakeUpstream
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayStorage
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The real openai-responses plugin (libcurl inside) against the fake upstream, through the real
/// host, with a real SQLite store so that conversations keep their provider state.
enum ResponsesHost {
    static let key = "sk-live-SECRET-KEY-0123456789abcdef"

    static func yaml(port: Int) -> String {
        """
        providers:
          responses: {plugin: openai-responses, base_url: "http://127.0.0.1:\(port)/v1", api_key: "${UPSTREAM_KEY}", organization: org-42, project: proj_7, retry_deadline_ms: 10000}
          other: {plugin: openai-responses, base_url: "http://127.0.0.1:\(port)/v1", api_key: "${UPSTREAM_KEY}"}
        assistants:
          default: {provider: responses, model: gpt-4o-mini, temperature: 0.7, top_p: 0.9, max_tokens: 256, system_prompt: You are helpful.}
          elsewhere: {provider: other, model: gpt-4o-mini}
        """
    }

    /// A fake upstream, a host on it with a store, and the router's test client.
    static func withRouter<T: Sendable>(
        extraAssistants: String = "", recorder: LogRecorder = LogRecorder(),
        _ body: @escaping @Sendable (FakeUpstream, SQLiteConversationStore, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/patchbay.sqlite", logger: recorder.logger())
        return try await FakeUpstream.withRunning { upstream, port in
            let host = try make(port: port, store: store, logger: recorder.logger(), extraAssistants: extraAssistants)
            return try await host.test { client in try await body(upstream, store, client) }
        }
    }

    static func make(port: Int, store: SQLiteConversationStore? = nil, logger: Logger, extraAssistants: String = "") throws -> TestHost {
        try TestHost(yaml: yaml(port: port) + extraAssistants, environment: ["UPSTREAM_KEY": key],
                     plugins: ["OpenAIResponsesProvider"], store: store, logger: logger)
    }

    static func assistant(_ id: String, model: String, provider: String = "responses") -> String {
        "\n  \(id): {provider: \(provider), model: \"\(model)\"}"
    }
}

extension TestClientProtocol {
    /// A seed-001 turn: `{message, assistantType, conversationId}`, answered as one JSON body.
    func say(_ message: String, in conversation: String, to assistant: String = "default") async throws -> [String: Any] {
        let response = try await execute(
            uri: "/api/chat", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"message":"\#(message)","history":[],"assistantType":"\#(assistant)","conversationId":"\#(conversation)","threadId":"ignored"}"#))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }
}

extension RecordedRequest {
    /// The Responses request's `input` items, as role and content.
    var input: [[String: String]] { (json?["input"] as? [[String: String]]) ?? [] }
}

@Suite("The openai-responses plugin against the fake upstream", .timeLimit(.minutes(2)))
struct ResponsesProviderTests {
    @Test("the exact upstream request: instructions, input items, sampling, max_output_tokens, store, headers")
    func exactRequest() async throws {
        try await ResponsesHost.withRouter { upstream, _, client in
            let response = try await client.chat(#"{"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"reply"},{"role":"user","content":"second"}],"assistantType":"default"}"#)
            #expect(response.status == .ok)
            let request = try #require(upstream.requests.last)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/responses")
            #expect(request.header("authorization") == "Bearer \(ResponsesHost.key)")
            #expect(request.header("accept") == "text/event-stream")
            #expect(request.header("openai-organization") == "org-42")
            #expect(request.header("openai-project") == "proj_7")
            let body = try #require(request.json)
            #expect(body["model"] as? String == "gpt-4o-mini")
            #expect(body["instructions"] as? String == "You are helpful.")
            #expect(body["stream"] as? Bool == true)
            #expect(body["store"] as? Bool == true)
            #expect(body["temperature"] as? Double == 0.7)
            #expect(body["top_p"] as? Double == 0.9)
            #expect(body["max_output_tokens"] as? Int == 256)
            #expect(body["previous_response_id"] == nil)
            #expect(request.input == [["role": "user", "content": "first"], ["role": "assistant", "content": "reply"], ["role": "user", "content": "second"]])
        }
    }

    @Test("streamed and whole replies with usage; a reply read by its Content-Type; HTML refused")
    func replies() async throws {
        let extra = ResponsesHost.assistant("whole", model: "fake:reply=json") + ResponsesHost.assistant("streamed", model: "fake:reply=stream")
            + ResponsesHost.assistant("portal", model: "fake:reply=html")
        try await ResponsesHost.withRouter(extraAssistants: extra) { _, _, client in
            let streamed = try await client.ask("default", "three words here")
            let (text, last) = try sseReply(streamed)
            #expect(text == "Hello from the fake upstream.")
            #expect(String(buffer: streamed.body).hasPrefix(#"data: {"content":"Hello","done":false}"# + "\n\n"))
            #expect((last["usage"] as? [String: Any])?["outputTokens"] as? Int == 5)
            #expect(last["finishReason"] as? String == "stop")

            let plain = try await client.ask("default", stream: false)
            #expect(try #require(try JSONSerialization.jsonObject(with: Data(buffer: plain.body)) as? [String: Any])["content"] as? String
                    == "Hello from the fake upstream.")

            let whole = try await client.ask("whole", stream: true)
            let (wholeText, wholeLast) = try sseReply(whole)
            #expect(wholeText == "Hello from the fake upstream.")
            #expect((wholeLast["usage"] as? [String: Any])?["outputTokens"] as? Int == 5)
            let asStream = try await client.ask("streamed", stream: false)
            #expect(String(buffer: asStream.body).contains(#""content":"Hello from the fake upstream.""#))
            let portal = try await client.ask("portal", stream: false)
            #expect(portal.status.code == 502)
            #expect(String(buffer: portal.body).contains(#""code":"PROVIDER_ERROR""#))
        }
    }

    @Test("429 with Retry-After and 503 are retried, and the retry's answer streams", arguments: [
        "fake:status=429,retry_after=1,fail_first=1", "fake:status=503,fail_first=1",
    ])
    func retried(model: String) async throws {
        try await ResponsesHost.withRouter(extraAssistants: ResponsesHost.assistant("flaky", model: model)) { upstream, _, client in
            let response = try await client.ask("flaky")
            #expect(response.status == .ok)
            #expect(try sseReply(response).text == "Hello from the fake upstream.")
            #expect(upstream.requests.count == 2)
        }
    }

    @Test("failures after the first byte end the stream with an error and are not retried", arguments: [
        ("fake:drop_after=2", 2, "PROVIDER_UNAVAILABLE"), ("fake:error_event", 1, "PROVIDER_ERROR"), ("fake:malformed", 1, "PROVIDER_ERROR"),
    ] as [(String, Int, String)])
    func midStream(model: String, deltas: Int, code: String) async throws {
        try await ResponsesHost.withRouter(extraAssistants: ResponsesHost.assistant("broken", model: model)) { upstream, _, client in
            let response = try await client.ask("broken")
            let frames = String(buffer: response.body).components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            #expect(frames.count == deltas + 1)
            #expect((try sseReply(response).last["error"] as? [String: Any])?["code"] as? String == code)
            #expect(upstream.requests.count == 1)
        }
    }

    @Test("frames split mid-line and mid-UTF-8 character reassemble exactly")
    func splitFrames() async throws {
        try await ResponsesHost.withRouter(extraAssistants: ResponsesHost.assistant("split", model: "fake:split")) { _, _, client in
            let (text, last) = try sseReply(try await client.ask("split"))
            #expect(last["error"] == nil)
            #expect(text == "Héllo wörld 👋 from the fake upstream.")
        }
    }

    @Test("a client that disconnects makes the upstream see its connection closed")
    func cancelReachesUpstream() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ResponsesHost.make(port: port, logger: LogRecorder().logger(),
                                              extraAssistants: ResponsesHost.assistant("stalled", model: "fake:hang_after=1"))
            try await host.live { serverPort in
                _ = try await RawHTTPClient.exchange(
                    port: serverPort, request: RawHTTPClient.post("/api/chat", json: #"{"message":"hi","assistantType":"stalled","stream":true}"#)
                ) { try await RawHTTPClient.read(&$0) { $0.contains(#""done":false"#) } }
                try await withDeadline { await upstream.waitUntil { $0.contains(.clientDisconnected(path: "/v1/responses")) } }
            }
        }
    }

    @Test("seed 001 through openai-responses: the second turn sends only the new message and the previous response id; replies carry threadId")
    func threadedConversation() async throws {
        try await ResponsesHost.withRouter { upstream, store, client in
            let first = try await client.say("What is a patch bay?", in: "c-001")
            #expect(first["message"] as? String == "Hello from the fake upstream.")
            #expect(first["threadId"] as? String == "resp_fake_1")
            #expect(first["conversationId"] as? String == "c-001")
            #expect(upstream.requests[0].json?["previous_response_id"] == nil)
            #expect(upstream.requests[0].input == [["role": "user", "content": "What is a patch bay?"]])
            #expect(try await store.conversation(id: "c-001")?.providerState == ProviderState(provider: "responses", value: "resp_fake_1"))

            let second = try await client.say("And a patch cable?", in: "c-001")
            #expect(second["threadId"] as? String == "resp_fake_2")
            let request = try #require(upstream.requests.last?.json)
            #expect(request["previous_response_id"] as? String == "resp_fake_1")
            #expect(upstream.requests.last?.input == [["role": "user", "content": "And a patch cable?"]])
            #expect(request["instructions"] as? String == "You are helpful.", "instructions are not carried over: sent every turn")
            #expect(upstream.requests.count == 2)
            // The conversation is still Patchbay's too: every message is stored.
            let page = try await store.messages(conversationID: "c-001", page: 1, limit: 10)
            #expect(page.messages.map(\.content) == ["What is a patch bay?", "Hello from the fake upstream.", "And a patch cable?", "Hello from the fake upstream."])
        }
    }

    @Test("a previous response id OpenAI does not know: the plugin sends the whole conversation, and its response id becomes the state")
    func unknownStateFallsBack() async throws {
        try await ResponsesHost.withRouter { upstream, store, client in
            _ = try await client.say("one", in: "c-lost")
            // As if OpenAI had since expired the response.
            try await store.setProviderState(ProviderState(provider: "responses", value: "resp_expired"), conversationID: "c-lost")
            let reply = try await client.say("two", in: "c-lost")
            #expect(reply["message"] as? String == "Hello from the fake upstream.")
            #expect(reply["threadId"] as? String == "resp_fake_3")
            #expect(upstream.requests.count == 3)
            #expect(upstream.requests[1].json?["previous_response_id"] as? String == "resp_expired")
            #expect(upstream.requests[1].input == [["role": "user", "content": "two"]])
            #expect(upstream.requests[2].json?["previous_response_id"] == nil)
            #expect(upstream.requests[2].input == [
                ["role": "user", "content": "one"], ["role": "assistant", "content": "Hello from the fake upstream."], ["role": "user", "content": "two"],
            ])
            #expect(try await store.conversation(id: "c-lost")?.providerState?.value == "resp_fake_3")
        }
    }

    @Test("a state goes back only to the provider that made it; a failed turn drops it")
    func stateStaysWithItsProvider() async throws {
        let extra = ResponsesHost.assistant("dropping", model: "fake:drop_after=1")
        try await ResponsesHost.withRouter(extraAssistants: extra) { upstream, store, client in
            _ = try await client.say("one", in: "c-mixed")
            // Another provider (the same plugin, another providers.yaml entry) gets the whole conversation, no id.
            let elsewhere = try await client.say("two", in: "c-mixed", to: "elsewhere")
            #expect(elsewhere["threadId"] as? String == "resp_fake_2")
            #expect(upstream.requests[1].json?["previous_response_id"] == nil)
            #expect(upstream.requests[1].input.count == 3)
            #expect(try await store.conversation(id: "c-mixed")?.providerState == ProviderState(provider: "other", value: "resp_fake_2"))
            // Back to the first provider: the state is the other's, so again the whole conversation.
            _ = try await client.say("three", in: "c-mixed")
            #expect(upstream.requests[2].json?["previous_response_id"] == nil)
            #expect(upstream.requests[2].input.count == 5)

            // A turn that fails mid-stream (same provider, so it continued the thread) leaves no state behind.
            let failed = try await client.execute(
                uri: "/api/chat", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"message":"four","assistantType":"dropping","conversationId":"c-mixed","stream":true}"#))
            #expect(String(buffer: failed.body).contains(#""error""#))
            #expect(upstream.requests[3].json?["previous_response_id"] as? String == "resp_fake_3")
            #expect(try await store.conversation(id: "c-mixed")?.providerState == nil)
            _ = try await client.say("five", in: "c-mixed")
            #expect(upstream.requests[4].json?["previous_response_id"] == nil)
        }
    }
}
