import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The routes and fields the seed clients call by name (issue 15, first part): `/api/chat/stream`,
/// `/api/health`, `/api/models`, the `assistantId` of a reply, `/health`'s 004 fields, and
/// `provider`/`model` hints that pick an assistant through its aliases.
@Suite("Seed clients' routes and hints")
struct SeedRouteTests {
    static let yaml = """
        providers:
          echo: {plugin: echo}
        assistants:
          default: {name: Default, provider: echo, model: echo-1}
          technical: {name: Technical, provider: echo, model: echo-2, aliases: [claude, anthropic]}
        """

    private func post(_ client: some TestClientProtocol, _ path: String, _ json: String) async throws -> TestResponse {
        try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    }

    private func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("002's streaming request, byte for byte, streams from the aliased assistant")
    func chatStream() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            let response = try await post(client, "/api/chat/stream", #"{"message": "Write a haiku", "provider": "claude"}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
            let text = String(buffer: response.body)
            #expect(text.hasPrefix(#"data: {"content":"Write","done":false}"#))
            #expect(text.contains(#""assistantId":"technical""#) && text.contains(#""model":"echo-2""#))
            // Always streamed, even when the body says otherwise.
            let forced = try await post(client, "/api/chat/stream", #"{"message":"x","stream":false}"#)
            #expect(forced.headers[.contentType] == "text/event-stream; charset=utf-8")
        }
    }

    @Test("hints pick an assistant by id or alias; assistantType wins; a hint that matches nothing is ignored")
    func hints() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            for (body, expected) in [
                (#"{"message":"hi","provider":"claude","stream":false}"#, "technical"),
                (#"{"message":"hi","provider":"openai","model":"anthropic","stream":false}"#, "technical"),
                (#"{"messages":[{"role":"user","content":"hi"}],"model":"technical","stream":false}"#, "technical"),
                (#"{"message":"hi","provider":"openai","stream":false}"#, "default"),
                (#"{"message":"hi","provider":"claude","assistantType":"default","stream":false}"#, "default"),
            ] {
                let response = try await post(client, "/api/chat", body)
                #expect(response.status == .ok, "\(body)")
                let reply = try object(response)
                #expect(reply["assistantId"] as? String == expected, "\(body)")
                #expect(reply["assistantType"] as? String == expected)
                #expect(reply["message"] as? String == "hi" && reply["content"] as? String == "hi")
            }
        }
    }

    @Test("/health and /api/health: healthy or degraded, with service, timestamp and providers_configured")
    func health() async throws {
        try await TestHost(yaml: Self.yaml).test { client in
            for path in ["/health", "/api/health"] {
                let health = try object(try await client.execute(uri: path, method: .get))
                #expect(health["status"] as? String == "healthy", "\(path)")
                #expect(health["service"] as? String == "patchbay")
                #expect((health["timestamp"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil, "\(health)")
                #expect(health["providers_configured"] as? [String: Bool] == ["echo": true])
            }
        }
        try await TestHost().test { client in
            let health = try object(try await client.execute(uri: "/api/health", method: .get))
            #expect(health["status"] as? String == "degraded")
            #expect((health["providers_configured"] as? [String: Bool])?["nokey"] == false)
        }
    }

    @Test("/api/models: the assistants the caller's key may use, with the one to preselect")
    func models() async throws {
        let yaml = Self.yaml + """

              broken: {provider: nokey, model: echo-1}
            auth:
              enabled: true
              keys:
                - {id: widget, key_env: WIDGET_KEY, assistants: [technical, broken]}
                - {id: ops, key_env: OPS_KEY}
            """
        let withNokey = yaml.replacingOccurrences(of: "  echo: {plugin: echo}\n", with: "  echo: {plugin: echo}\n  nokey: {plugin: echo, api_key: \"${PATCHBAY_TEST_UNSET_KEY}\"}\n")
        try await TestHost(yaml: withNokey, environment: ["WIDGET_KEY": "k-tight", "OPS_KEY": "k-roomy"]).test { client in
            #expect(try await client.execute(uri: "/api/models", method: .get).status == .unauthorized)
            let widget = try object(try await client.execute(uri: "/api/models", method: .get, headers: [.authorization: "Bearer k-tight"]))
            let models = try #require(widget["models"] as? [[String: Any]])
            #expect(models.map { $0["id"] as? String } == ["technical", "broken"])
            #expect(models.map { $0["available"] as? Bool } == [true, false])
            #expect(models.first?["name"] as? String == "Technical" && models.first?["model"] as? String == "echo-2")
            #expect(widget["default"] as? String == "technical", "default is not the widget key's: the first available is")
            let ops = try object(try await client.execute(uri: "/api/models", method: .get, headers: [.authorization: "Bearer k-roomy"]))
            #expect((ops["models"] as? [[String: Any]])?.count == 3)
            #expect(ops["default"] as? String == "default")
        }
    }
}
