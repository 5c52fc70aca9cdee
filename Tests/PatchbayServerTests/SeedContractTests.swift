import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayStorage
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// One test per seed document (`../shared/seeds/`): each sends that document's own example
/// requests, byte for byte where the document gives them, and checks the documented response
/// shape and status. A client written against any of them works against Patchbay unchanged.
@Suite("The seed documents' own requests")
struct SeedContractTests {
    static let yaml = """
        providers:
          echo: {plugin: echo}
          scripted: {plugin: minimal-swift}
        assistants:
          default:
            provider: echo
            model: echo-1
            aliases: [openai, gpt-3.5-turbo]
            client_parameters: {temperature: {max: 1.0}, max_tokens: {max: 1024}, system_prompt: true}
          technical: {name: Technical, provider: echo, model: echo-2, aliases: [claude]}
          scripted: {provider: scripted, model: minimal-1}
        models:
          echo-1:
            name: Echo One
            description: Repeats the last user message, word by word
            context_length: 8192
            capabilities: [chat, code]
            cost_per_token: {input: 0.03, output: 0.06}
        limits:
          requests_per_minute: 100
        """

    private func post(_ client: some TestClientProtocol, _ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    private func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: path, method: method, headers: headers)
    }

    private func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any], "\(String(buffer: response.body))")
    }

    /// The `data:` payloads of an SSE body, as JSON objects.
    private func frames(_ response: TestResponse) throws -> [[String: Any]] {
        try String(buffer: response.body).split(whereSeparator: \.isNewline).filter { $0.hasPrefix("data: ") }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any])
        }
    }

    @Test("000, the <chat-bot> spec: {messages} streams {content, done} frames by default; stream:false is one {content, done}")
    func seed000() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            let body = #"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there!"}]}"#
            let streamed = try await post(client, "/api/chat", body)
            #expect(streamed.status == .ok)
            #expect(streamed.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = try frames(streamed)
            #expect(events.dropLast().map { $0["content"] as? String } == ["Hello", " there!"])
            #expect(events.dropLast().allSatisfy { $0["done"] as? Bool == false })
            #expect(events.last?["content"] as? String == "" && events.last?["done"] as? Bool == true)

            let whole = try object(try await post(client, "/api/chat", #"{"messages":[{"role":"user","content":"Hello there!"}],"stream":false}"#))
            #expect(whole["content"] as? String == "Hello there!" && whole["done"] as? Bool == true)
        }
    }

    @Test("001, the Node widget backend: its /api/chat body answers JSON with message, conversationId, provider, assistantId")
    func seed001() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/patchbay.sqlite", logger: LogRecorder().logger())
        try await TestHost(yaml: Self.yaml, store: store).test { client in
            let body = """
                {
                  "message": "Hello, how can you help me?",
                  "history": [
                    {
                      "text": "Previous message",
                      "sender": "user",
                      "timestamp": 1642678800000
                    }
                  ],
                  "provider": "openai",
                  "assistantType": "default",
                  "conversationId": "optional_conversation_id",
                  "threadId": "optional_thread_id"
                }
                """
            let response = try await post(client, "/api/chat", body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let reply = try object(response)
            #expect(reply["message"] as? String == "Hello, how can you help me?")
            #expect(reply["conversationId"] as? String == "optional_conversation_id")
            #expect(reply["provider"] as? String == "echo")
            #expect(reply["assistantId"] as? String == "default")
            // The echo plugin keeps no provider-side state, so no threadId (openai-responses sends one:
            // ResponsesProviderTests).
            #expect(reply["threadId"] == nil)

            let health = try object(try await send(client, .get, "/health"))
            #expect(health["status"] as? String == "healthy")
            #expect((health["timestamp"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)
            let providers = try await send(client, .get, "/api/providers")
            let assistants = try await send(client, .get, "/api/assistants")
            #expect(providers.status == .ok && assistants.status == .ok)
            let conversation = try object(try await send(client, .get, "/api/conversations/optional_conversation_id"))
            #expect((conversation["messages"] as? [[String: Any]])?.last?["content"] as? String == "Hello, how can you help me?")
            #expect(try await send(client, .delete, "/api/conversations/optional_conversation_id").status == .noContent)
        }
    }

    @Test("002, the Flask PWA backend: its curl requests — JSON from /api/chat, SSE from /api/chat/stream, health and models")
    func seed002() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            #expect(try object(try await send(client, .get, "/api/health"))["status"] as? String == "healthy")
            let models = try object(try await send(client, .get, "/api/models"))
            #expect((models["models"] as? [[String: Any]])?.map { $0["id"] as? String } == ["default", "technical", "scripted"])

            let chat = try await post(client, "/api/chat", #"{"message": "What is 2+2?", "provider": "openai"}"#)
            #expect(chat.status == .ok)
            #expect(try object(chat)["content"] as? String == "What is 2+2?")
            let history = try object(try await post(client, "/api/chat", #"{"message": "Hello, AI!", "provider": "openai", "history": []}"#))
            #expect(history["message"] as? String == "Hello, AI!")

            let stream = try await post(client, "/api/chat/stream", #"{"message": "Write a haiku", "provider": "claude"}"#)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = try frames(stream)
            #expect(events.compactMap { $0["content"] as? String }.joined() == "Write a haiku")
            #expect(events.last?["assistantId"] as? String == "technical")
            #expect(try await send(client, .get, "/api/rate-limit").status == .ok)
        }
    }

    @Test("003, the PWA's summary: its curl requests, the same routes as 002's, with the claude hint streaming")
    func seed003() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            #expect(try await send(client, .get, "/api/health").status == .ok)
            let chat = try object(try await post(client, "/api/chat", #"{"message": "Hello!", "provider": "openai"}"#))
            #expect(chat["content"] as? String == "Hello!" && chat["done"] as? Bool == true)
            let stream = try await post(client, "/api/chat/stream", #"{"message": "Tell me a joke", "provider": "claude"}"#)
            let events = try frames(stream)
            #expect(events.compactMap { $0["content"] as? String }.joined() == "Tell me a joke")
            #expect(events.last?["done"] as? Bool == true && events.last?["model"] as? String == "echo-2")
        }
    }

    @Test("004, the API document: completion, stream, models, errors, rate-limit headers and gzip as documented")
    func seed004() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            let body = """
                {
                  "message": "Hello, how are you?",
                  "model": "gpt-3.5-turbo",
                  "temperature": 0.7,
                  "max_tokens": 1000,
                  "stream": false,
                  "system_prompt": "You are a helpful assistant",
                  "conversation_history": [
                    {"role": "user", "content": "Previous message"},
                    {"role": "assistant", "content": "Previous response"}
                  ]
                }
                """
            let response = try await post(client, "/api/v1/chat/completion", body, headers: [.xRequestID: "req_abc123"])
            #expect(response.status == .ok)
            let completion = try object(response)
            #expect(completion["response"] as? String == "Hello, how are you?")
            #expect(completion["model"] as? String == "echo-1")
            #expect(completion["request_id"] as? String == "req_abc123")
            #expect((completion["timestamp"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)
            #expect(completion["cached"] as? Bool == false)
            let usage = try #require(completion["usage"] as? [String: Int])
            #expect(usage["total_tokens"] == (usage["prompt_tokens"] ?? 0) + (usage["completion_tokens"] ?? 0) && usage["completion_tokens"] == 4)
            let reset = try #require(response.headers[HTTPField.Name("X-RateLimit-Reset")!])
            #expect(reset.hasSuffix("Z") && (try? Date(reset, strategy: .iso8601)) != nil, "\(reset)")

            // The cURL and SDK examples' body.
            let curl = try object(try await post(client, "/api/v1/chat/completion", #"{"message": "Hello!", "model": "gpt-3.5-turbo"}"#))
            #expect(curl["response"] as? String == "Hello!")

            let stream = try await post(client, "/api/v1/chat/stream", #"{"message": "I'm doing well", "model": "gpt-3.5-turbo", "stream": true}"#)
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = try frames(stream)
            #expect(events.dropLast().map { $0["chunk"] as? String } == ["I'm", " doing", " well"])
            #expect(events.dropLast().map { $0["index"] as? Int } == [0, 1, 2])
            #expect(events.last?["finished"] as? Bool == true && (events.last?["usage"] as? [String: Int])?["completion_tokens"] == 3)

            let models = try #require(try JSONSerialization.jsonObject(with: Data(buffer: try await send(client, .get, "/api/v1/models").body)) as? [[String: Any]])
            let first = try #require(models.first)
            #expect(first["id"] as? String == "default" && first["name"] as? String == "Echo One" && first["provider"] as? String == "echo")
            #expect(first["context_length"] as? Int == 8192 && first["capabilities"] as? [String] == ["chat", "code"])
            #expect(first["available"] as? Bool == true && first["cost_per_token"] as? [String: Double] == ["input": 0.03, "output": 0.06])
            #expect(models.dropFirst().first?["context_length"] is NSNull)
            let one = try object(try await send(client, .get, "/api/v1/models/technical"))
            #expect(one["id"] as? String == "technical" && one["capabilities"] as? [String] == ["chat"])

            let missing = try await send(client, .get, "/api/v1/models/gpt-4", headers: [.xRequestID: "req_missing"])
            #expect(missing.status == .notFound)
            let error = try object(missing)
            #expect(error["code"] as? String == "NOT_FOUND" && error["status_code"] as? Int == 404 && error["request_id"] as? String == "req_missing")
            #expect(error["error"] is String && error["timestamp"] is String && error["details"] is [String: Any])
            let invalid = try object(try await post(client, "/api/v1/chat/completion", #"{"model": "gpt-3.5-turbo"}"#))
            #expect(invalid["code"] as? String == "INVALID_REQUEST" && (invalid["details"] as? [String: String])?["field"] == "message")

            let zipped = try await send(client, .get, "/api/v1/models", headers: [.acceptEncoding: "gzip, deflate"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.body.getBytes(at: zipped.body.readerIndex, length: 2) == [0x1F, 0x8B])
        }
    }
}

@Suite("gzip for JSON responses")
struct GzipTests {
    @Test("Accept-Encoding weights: gzip and * count unless q=0")
    func acceptEncoding() {
        #expect(GzipMiddleware.acceptsGzip(["gzip, deflate, br"]))
        #expect(GzipMiddleware.acceptsGzip(["br;q=1.0, GZIP;q=0.5"]))
        #expect(GzipMiddleware.acceptsGzip(["*"]))
        #expect(!GzipMiddleware.acceptsGzip(["gzip;q=0", "identity"]))
        #expect(!GzipMiddleware.acceptsGzip([]))
    }

    @Test("a large JSON body is compressed and inflates to the same bytes; small bodies and streams never are")
    func compressesOnlyJSON() async throws {
        try await TestHost().test { client in
            let plain = try await client.execute(uri: "/api/v1/models", method: .get)
            #expect(plain.headers[.contentEncoding] == nil && plain.headers[.vary]?.contains("Accept-Encoding") == true)
            let zipped = try await client.execute(uri: "/api/v1/models", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            var compressed = zipped.body
            #expect(compressed.readableBytes < plain.body.readableBytes)
            #expect(try compressed.decompress(with: .gzip()) == plain.body)

            let small = try await client.execute(uri: "/api/v1/models/slow", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(small.body.readableBytes < GzipMiddleware.minimumBytes && small.headers[.contentEncoding] == nil)
            let long = String(repeating: "word ", count: 300)
            let stream = try await client.execute(uri: "/api/chat", method: .post, headers: [.contentType: "application/json", .acceptEncoding: "gzip"],
                                                  body: ByteBuffer(string: #"{"messages":[{"role":"user","content":"\#(long)"}]}"#))
            #expect(stream.headers[.contentType]?.hasPrefix("text/event-stream") == true && stream.headers[.contentEncoding] == nil)
        }
    }
}
