import FakeUpstream
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The OpenAI- and Anthropic-compatible doors' refusals and failures, in their own shapes, and
/// the operator's `client_parameters` rules on what a client may set.
@Suite("The /v1 doors' edges, through the real host")
struct CompatibleDoorTests {
    private func post(_ client: some TestClientProtocol, _ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> (Int, [String: Any]) {
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json))
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    @Test("OpenAI: every refusal names its param, in OpenAI's error shape")
    func openAIRefusals() async throws {
        try await TestHost().test { client in
            let cases: [(String, Int, String?)] = [
                (#"{"model":"default"#, 400, nil),
                (#"{"messages":[{"role":"user","content":"x"}]}"#, 400, "model"),
                (#"{"model":"nope","messages":[{"role":"user","content":"x"}]}"#, 404, "model"),
                (#"{"model":"default","messages":[{"role":"user","content":"x"}],"n":2}"#, 400, "n"),
                (#"{"model":"default","messages":[{"role":"user","content":"x"}],"logprobs":true}"#, 400, "logprobs"),
                (#"{"model":"default","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#, 400, "messages[0].content[0].type"),
                (#"{"model":"default","messages":[{"role":"tool","content":"x"}]}"#, 400, "messages[0].role"),
                (#"{"model":"default","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, 400, "temperature"),
                (#"{"model":"default","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}"#, 400, "response_format"),
                (#"{"model":"default","messages":[]}"#, 400, "messages"),
            ]
            for (body, status, param) in cases {
                let (code, object) = try await post(client, "/v1/chat/completions", body)
                let error = object["error"] as? [String: Any]
                #expect(code == status, "\(body)")
                #expect(error?["param"] as? String == param, "\(body): \(object)")
                #expect(error?["type"] as? String == "invalid_request_error")
                #expect(error?["message"] is String)
            }
        }
    }

    @Test("Anthropic: max_tokens is required, tools are refused, errors in Anthropic's shape")
    func anthropicRefusals() async throws {
        try await TestHost().test { client in
            for (body, status, type) in [
                (#"{"model":"default","messages":[{"role":"user","content":"x"}]}"#, 400, "invalid_request_error"),
                (#"{"model":"default","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[]}"#, 400, "invalid_request_error"),
                (#"{"model":"nope","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"#, 404, "not_found_error"),
                (#"{"model":"nokey","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"#, 529, "overloaded_error"),
            ] {
                let (code, object) = try await post(client, "/v1/messages", body)
                #expect(code == status, "\(body)")
                #expect(object["type"] as? String == "error")
                #expect((object["error"] as? [String: Any])?["type"] as? String == type, "\(body): \(object)")
            }
        }
    }

    @Test("with auth on, a missing key is OpenAI's invalid_api_key on /v1/chat/completions and Anthropic's authentication_error on /v1/messages")
    func authenticationShapes() async throws {
        let host = try TestHost(yaml: TestHost.yaml + "\nauth: {enabled: true, keys: [{id: ops, key_env: OPS_KEY}]}\n", environment: ["OPS_KEY": "pk-ops-456"])
        try await host.test { client in
            let (openAIStatus, openAI) = try await post(client, "/v1/chat/completions", #"{"model":"default","messages":[{"role":"user","content":"x"}]}"#)
            #expect(openAIStatus == 401)
            #expect((openAI["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
            let (anthropicStatus, anthropic) = try await post(client, "/v1/messages", #"{"model":"default","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"#)
            #expect(anthropicStatus == 401)
            #expect((anthropic["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            let (okStatus, _) = try await post(client, "/v1/messages", #"{"model":"default","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"#,
                                               headers: [HTTPField.Name("x-api-key")!: "pk-ops-456"])
            #expect(okStatus == 200)
        }
    }

    @Test("client_parameters: allowed values are passed within their bounds, others ignored; stop sequences reach the upstream")
    func clientParameters() async throws {
        try await FakeUpstream.withRunning { upstream, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(), extraAssistants: """

                  open: {provider: openai, model: gpt-4o-mini, temperature: 0.2, aliases: [gpt-open], client_parameters: {temperature: {max: 1.0}, max_tokens: {max: 100}}}
                """)
            try await host.test { client in
                let asked = #""messages":[{"role":"user","content":"hi"}],"temperature":1.8,"top_p":0.5,"max_tokens":5000,"stop":["END"]"#
                #expect(try await post(client, "/v1/chat/completions", #"{"model":"gpt-open",\#(asked)}"#).0 == 200)
                let open = try #require(upstream.requests.last?.json)
                #expect(open["temperature"] as? Double == 1.0, "brought back to the bound")
                #expect(open["max_tokens"] as? Int == 100)
                #expect(open["top_p"] == nil, "top_p is not allowed: ignored")
                #expect(open["stop"] as? [String] == ["END"])

                #expect(try await post(client, "/v1/chat/completions", #"{"model":"default",\#(asked)}"#).0 == 200)
                let closed = try #require(upstream.requests.last?.json)
                #expect(closed["temperature"] as? Double == 0.7, "the assistant's own")
                #expect(closed["top_p"] as? Double == 0.9)
                #expect(closed["max_tokens"] as? Int == 256)
                #expect(closed["stop"] as? [String] == ["END"], "stop sequences are allowed by default")
            }
        }
    }

    @Test("a failure after the first delta ends the stream with OpenAI's error object and Anthropic's error event")
    func failureMidStream() async throws {
        try await FakeUpstream.withRunning { _, port in
            let host = try ProviderHost.make(port: port, logger: LogRecorder().logger(),
                                             extraAssistants: ProviderHost.assistant("drop", model: "fake:drop_after=1"))
            try await host.test { client in
                let openAI = try await client.execute(uri: "/v1/chat/completions", method: .post,
                                                      body: ByteBuffer(string: #"{"model":"drop","stream":true,"messages":[{"role":"user","content":"x"}]}"#))
                let openAIText = String(buffer: openAI.body)
                #expect(openAI.status == .ok)
                #expect(openAIText.contains(#""delta":{"content":"#) && openAIText.contains(#"data: {"error":{"#))
                #expect(!openAIText.contains("[DONE]"))
                let anthropic = try await client.execute(uri: "/v1/messages", method: .post,
                                                         body: ByteBuffer(string: #"{"model":"drop","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"x"}]}"#))
                let anthropicText = String(buffer: anthropic.body)
                #expect(anthropicText.contains("event: content_block_delta") && anthropicText.contains("event: error\ndata: {\"type\":\"error\""))
                #expect(!anthropicText.contains("event: message_stop"))
            }
        }
    }
}
