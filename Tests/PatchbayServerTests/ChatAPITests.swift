import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayConfig
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("POST /api/chat and the info endpoints, through the real router")
struct ChatAPITests {
    private func withApp(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let host = try TestHost { configuration in
            configuration.server.maxBodyBytes = 4096
            configuration.server.maxMessageChars = 100
            configuration.server.maxMessages = 3
        }
        try await host.test(test)
    }

    private func post(_ client: some TestClientProtocol, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: "/api/chat", method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    @Test("messages shape: byte-exact SSE frames, one per delta, then the final frame with usage and ids")
    func messagesShapeStreams() async throws {
        try await withApp { client in
            let response = try await post(client, #"{"messages":[{"role":"user","content":"hello world"}],"assistantType":"default"}"#,
                                          headers: [.xRequestID: "req-1"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache, no-transform")
            #expect(response.headers[.xRequestID] == "req-1")
            #expect(String(buffer: response.body) == """
                data: {"content":"hello","done":false}

                data: {"content":" world","done":false}

                data: {"content":"","done":true,"requestId":"req-1","assistantType":"default","assistantId":"default","provider":"echo","model":"echo-1","usage":{"inputTokens":2,"outputTokens":2,"totalTokens":4},"finishReason":"stop"}


                """)
        }
    }

    @Test("message + history shape: history goes to the plugin; without stream it streams only for Accept: text/event-stream")
    func messageHistoryShapeStreams() async throws {
        try await withApp { client in
            let body = #"{"message":"hi there","history":[{"text":"earlier words","sender":"user","timestamp":1},{"text":"ok","sender":"assistant","timestamp":2}],"assistantType":"default"}"#
            let json = try await post(client, body, headers: [.xRequestID: "req-2"])
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            #expect(String(buffer: json.body) == #"{"content":"hi there","message":"hi there","done":true,"requestId":"req-2","assistantType":"default","assistantId":"default","provider":"echo","model":"echo-1","usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7},"finishReason":"stop"}"#)
            let response = try await post(client, body, headers: [.xRequestID: "req-2", .accept: "text/event-stream"])
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == """
                data: {"content":"hi","done":false}

                data: {"content":" there","done":false}

                data: {"content":"","done":true,"requestId":"req-2","assistantType":"default","assistantId":"default","provider":"echo","model":"echo-1","usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7},"finishReason":"stop"}


                """)
        }
    }

    @Test("stream false: one JSON body, content repeated as message")
    func nonStreamingBody() async throws {
        try await withApp { client in
            let response = try await post(client, #"{"message":"plain \"quoted\" reply","stream":false}"#, headers: [.xRequestID: "req-3"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(String(buffer: response.body) == #"{"content":"plain \"quoted\" reply","message":"plain \"quoted\" reply","done":true,"requestId":"req-3","assistantType":"default","assistantId":"default","provider":"echo","model":"echo-1","usage":{"inputTokens":3,"outputTokens":3,"totalTokens":6},"finishReason":"stop"}"#)
        }
    }

    @Test("a client cannot choose the provider, model or key")
    func clientChoicesIgnored() async throws {
        try await withApp { client in
            let response = try await post(client, #"{"message":"x","stream":false,"provider":"openai","model":"gpt-4","apiKey":"sk-mine"}"#)
            let body = String(buffer: response.body)
            #expect(body.contains(#""provider":"echo","model":"echo-1""#))
        }
    }

    /// Every error code a client can reach with bad input today, with its status and field.
    @Test(
        "bad input gets a precise error",
        arguments: [
            ("", 400, "INVALID_REQUEST", nil),
            ("{not json", 400, "INVALID_REQUEST", nil),
            ("[1,2]", 400, "INVALID_REQUEST", nil),
            (#"{"messages":"hello"}"#, 400, "INVALID_REQUEST", "messages"),
            (#"{"messages":[{"role":"user","content":5}]}"#, 400, "INVALID_REQUEST", "messages[0].content"),
            (#"{"messages":[{"role":"robot","content":"x"}]}"#, 400, "INVALID_REQUEST", "messages[0].role"),
            (#"{"messages":[{"role":"user"}]}"#, 400, "INVALID_REQUEST", "messages[0].content"),
            (#"{"messages":[]}"#, 400, "INVALID_REQUEST", "messages"),
            (#"{"messages":[{"role":"assistant","content":"x"}]}"#, 400, "INVALID_REQUEST", "messages"),
            (#"{"message":"   "}"#, 400, "INVALID_REQUEST", "message"),
            (#"{"message":"x","stream":"yes"}"#, 400, "INVALID_REQUEST", "stream"),
            (#"{"message":"x","history":[{"text":"y","sender":"martian"}]}"#, 400, "INVALID_REQUEST", "history[0].sender"),
            (#"{"message":"x","messages":[{"role":"user","content":"y"}]}"#, 400, "INVALID_REQUEST", "message"),
            (#"{"message":"x","assistantType":42}"#, 400, "INVALID_REQUEST", "assistantType"),
            (#"{"message":"x","assistantType":"nope"}"#, 404, "NOT_FOUND", "assistantType"),
            (#"{"message":"x","assistantType":"nokey"}"#, 503, "PROVIDER_UNAVAILABLE", nil),
            (#"{"message":"x","assistantType":"missing"}"#, 503, "PROVIDER_UNAVAILABLE", nil),
            (#"{"message":"error:PROVIDER_ERROR:500","assistantType":"scripted"}"#, 502, "PROVIDER_ERROR", nil),
            (#"{"message":"error:PROVIDER_UNAVAILABLE","assistantType":"scripted"}"#, 503, "PROVIDER_UNAVAILABLE", nil),
            (#"{"message":"error:TIMEOUT","assistantType":"scripted"}"#, 504, "TIMEOUT", nil),
            (#"{"message":"error:SOMETHING_ODD","assistantType":"scripted"}"#, 500, "INTERNAL_ERROR", nil),
            (#"{"message":"refuse","assistantType":"scripted"}"#, 500, "INTERNAL_ERROR", nil),
            // Input limits (this router allows 100 characters and 3 messages).
            (#"{"message":""# + String(repeating: "é", count: 101) + #""}"#, 400, "INVALID_REQUEST", "message"),
            // Unicode scalars are counted, as JSON Schema's maxLength does: 51 "e" + U+0301 are 51
            // characters on screen but 102 scalars.
            (#"{"message":""# + String(repeating: "e\u{301}", count: 51) + #""}"#, 400, "INVALID_REQUEST", "message"),
            (#"{"message":"x","history":[{"text":""# + String(repeating: "a", count: 101) + #"","sender":"user"}]}"#, 400, "INVALID_REQUEST", "history[0].text"),
            (#"{"message":"x","history":[{"text":"a","sender":"user"},{"text":"b","sender":"user"},{"text":"c","sender":"user"},{"text":"d","sender":"user"}]}"#, 400, "INVALID_REQUEST", "history"),
            (#"{"messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"user","content":"c"},{"role":"user","content":"d"}]}"#, 400, "INVALID_REQUEST", "messages"),
            (#"{"messages":[{"role":"user","content":""# + String(repeating: "z", count: 101) + #""}]}"#, 400, "INVALID_REQUEST", "messages[0].content"),
        ] as [(String, Int, String, String?)]
    )
    func badInput(body: String, status: Int, code: String, field: String?) async throws {
        try await withApp { client in
            let response = try await post(client, body)
            #expect(response.status.code == status)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(response.headers[.xRequestID]?.count == 32)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            let error = try #require(json["error"] as? [String: Any])
            #expect(error["code"] as? String == code)
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect((error["details"] as? [String: Any])?["field"] as? String == field)
        }
    }

    @Test("a body that is not UTF-8 is refused, naming the body")
    func invalidUTF8() async throws {
        try await withApp { client in
            var body = ByteBuffer(string: #"{"message":"caf"#)
            body.writeBytes([0xC3, 0x28])  // a broken two-byte sequence
            body.writeString(#""}"#)
            let response = try await client.execute(uri: "/api/chat", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body) == #"{"error":{"message":"The request body is not valid UTF-8.","code":"INVALID_REQUEST","details":{"field":"body"}}}"#)
        }
    }

    @Test("an oversized body is refused with 413 PAYLOAD_TOO_LARGE")
    func oversizedBody() async throws {
        try await withApp { client in
            let response = try await post(client, #"{"message":""# + String(repeating: "a", count: 5000) + #""}"#)
            #expect(response.status == .contentTooLarge)
            #expect(String(buffer: response.body) == #"{"error":{"message":"The request body is larger than 4096 bytes.","code":"PAYLOAD_TOO_LARGE"}}"#)
        }
    }

    @Test("an unknown endpoint is a JSON 404 with a request id")
    func unknownEndpoint() async throws {
        try await withApp { client in
            let response = try await client.execute(uri: "/api/nothing", method: .get)
            #expect(response.status == .notFound)
            #expect(String(buffer: response.body) == #"{"error":{"message":"No such endpoint.","code":"NOT_FOUND"}}"#)
            #expect(response.headers[.xRequestID] != nil)
        }
    }

    @Test("an error after the stream began is the last SSE event, with error and done")
    func errorMidStream() async throws {
        try await withApp { client in
            let response = try await post(client, #"{"message":"fail-after:2:PROVIDER_ERROR","assistantType":"scripted","stream":true}"#, headers: [.xRequestID: "req-4"])
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == """
                data: {"content":"part0 ","done":false}

                data: {"content":"part1 ","done":false}

                data: {"content":"","done":true,"error":{"message":"The AI provider returned an error. Please try again.","code":"PROVIDER_ERROR"},"requestId":"req-4","assistantType":"scripted","assistantId":"scripted","provider":"scripted","model":"minimal-1"}


                """)
        }
    }

    @Test("a client's request id is echoed only when it is safe to echo")
    func requestIDs() async throws {
        try await withApp { client in
            let echoed = try await client.execute(uri: "/health", method: .get, headers: [.xRequestID: "abc-123"])
            #expect(echoed.headers[.xRequestID] == "abc-123")
            let replaced = try await client.execute(uri: "/health", method: .get, headers: [.xRequestID: "has space"])
            #expect(replaced.headers[.xRequestID]?.count == 32)
        }
    }

    @Test("/health, /api/providers and /api/assistants describe the host and never show a key")
    func infoEndpoints() async throws {
        try await withApp { client in
            let health = try await client.execute(uri: "/health", method: .get)
            let healthJSON = try #require(try JSONSerialization.jsonObject(with: Data(buffer: health.body)) as? [String: Any])
            #expect(healthJSON["status"] as? String == "degraded")
            #expect(healthJSON["version"] as? String == PatchbayVersion.current)
            #expect((healthJSON["uptimeSeconds"] as? Double).map { $0 >= 0 } == true)
            let plugins = try #require(healthJSON["plugins"] as? [[String: Any]])
            #expect(plugins.compactMap { $0["name"] as? String } == ["echo", "minimal-swift"])
            let providers = try #require(healthJSON["providers"] as? [[String: Any]])
            let configured = Dictionary(uniqueKeysWithValues: providers.map { ($0["name"] as! String, $0["configured"] as! Bool) })
            #expect(configured == ["echo": true, "slow": true, "scripted": true, "nokey": false, "missing": false, "secretive": true])

            let providersBody = try await client.execute(uri: "/api/providers", method: .get)
            let providersJSON = try #require(try JSONSerialization.jsonObject(with: Data(buffer: providersBody.body)) as? [String: Any])
            let echo = try #require((providersJSON["plugins"] as? [[String: Any]])?.first)
            #expect(echo["capabilities"] as? [String] == ["stream", "usage", "cancel", "embeddings"])
            #expect(echo["models"] as? [String] == ["echo-1", "echo-embed"])
            #expect(echo["abi"] as? String == "1.4")

            let assistants = try await client.execute(uri: "/api/assistants", method: .get)
            let assistantsJSON = try #require(try JSONSerialization.jsonObject(with: Data(buffer: assistants.body)) as? [String: Any])
            let first = try #require((assistantsJSON["assistants"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == "default")
            #expect(first["name"] as? String == "Default")
            #expect(first["provider"] as? String == "echo")
            #expect(first["available"] as? Bool == true)

            for body in [health.body, providersBody.body, assistants.body] {
                #expect(!String(buffer: body).contains(TestHost.secret))
                #expect(!String(buffer: body).contains("Be brief."), "system prompts stay on the server")
            }
        }
    }
}
