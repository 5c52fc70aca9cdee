import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// Who shares cached replies (`scope: key` keeps each key's own), and who may change the cache.
@Suite("Response cache: scopes and admin access", .timeLimit(.minutes(2)))
struct ResponseCacheScopeTests {
    static let yaml = """
        providers:
          echo: {plugin: echo}
        assistants:
          default: {provider: echo, model: echo-1, cache: {scope: key, warm: {greeting: [Hello there]}}}
          shared: {provider: echo, model: echo-1, cache: {scope: global}}
        auth:
          enabled: true
          keys:
            - {id: alice, key_env: PATCHBAY_TEST_ALICE_KEY}
            - {id: bob, key_env: PATCHBAY_TEST_BOB_KEY}
            - {id: ops, key_env: PATCHBAY_TEST_OPS_KEY, admin: true}
        """

    static let environment = ["PATCHBAY_TEST_ALICE_KEY": "pk-alice-1", "PATCHBAY_TEST_BOB_KEY": "pk-bob-2", "PATCHBAY_TEST_OPS_KEY": "pk-ops-3"]

    /// Asks as `key` and expects `expected` in `X-Cache-Status`.
    static func expect(_ expected: String, _ client: some TestClientProtocol, key: String, _ message: String, assistant: String = "default",
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
        let body = ByteBuffer(string: #"{"message":"\#(message)","model":"\#(assistant)"}"#)
        let response = try await client.execute(uri: "/api/v1/chat/completion", method: .post, headers: headers, body: body)
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        #expect(response.headers[.xCacheStatus] == expected, sourceLocation: sourceLocation)
    }

    @Test("scope: key — one key's reply never answers another key; under scope: global it does")
    func noCacheAcrossKeys() async throws {
        let host = try TestHost(yaml: Self.yaml, environment: Self.environment)
        try await host.test { client in
            try await Self.expect("MISS", client, key: "pk-alice-1", "my account number is 42")
            try await Self.expect("MISS", client, key: "pk-bob-2", "my account number is 42")
            try await Self.expect("HIT", client, key: "pk-alice-1", "my account number is 42")
            try await Self.expect("HIT", client, key: "pk-bob-2", "my account number is 42")
            #expect(ResponseCacheTests.providerCalls(host) == 2)

            try await Self.expect("MISS", client, key: "pk-alice-1", "opening hours", assistant: "shared")
            try await Self.expect("HIT", client, key: "pk-bob-2", "opening hours", assistant: "shared")
        }
    }

    @Test("the WebSocket door: a hit streams the same stream messages, then complete with cached: true")
    func webSocketHit() async throws {
        let host = try TestHost(yaml: ResponseCacheTests.yaml)
        try await host.live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.chat("a", "what about the weekend")
                let live = try await socket.read("complete", id: "a")
                #expect(live.data("cached") as? Bool == false)
                try await socket.chat("b", "what about the weekend")
                let hit = try await socket.read("complete", id: "b")
                #expect(hit.data("cached") as? Bool == true)
                #expect(hit.data("response") as? String == live.data("response") as? String)
                let received = socket.received
                let chunks = { (id: String) in received.filter { $0["id"] as? String == id && $0["type"] as? String == "stream" }.map { $0.data("chunk") as? String } }
                #expect(chunks("b") == chunks("a") && chunks("a").count == 4)
            }
        }
        #expect(ResponseCacheTests.providerCalls(host) == 1)
    }

    @Test("the OpenAI and Anthropic doors answer from the same entries, and say so in X-Cache-Status")
    func compatibleDoors() async throws {
        let host = try TestHost(yaml: ResponseCacheTests.yaml)
        try await host.test { client in
            let openAI = #"{"model":"default","messages":[{"role":"user","content":"is it open"}]}"#
            let anthropic = #"{"model":"default","max_tokens":50,"messages":[{"role":"user","content":"is it open"}]}"#
            var statuses: [String?] = []
            for (uri, body) in [("/v1/chat/completions", openAI), ("/v1/messages", anthropic), ("/v1/chat/completions", openAI)] {
                let response = try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
                #expect(response.status == .ok)
                statuses.append(response.headers[.xCacheStatus])
            }
            // Anthropic's max_tokens is a parameter the default rules ignore: the same key.
            #expect(statuses == ["MISS", "HIT", "HIT"])
        }
        #expect(ResponseCacheTests.providerCalls(host) == 1)
    }

    @Test("warm and clear need an admin key; stats any key; warmed replies answer every key even under scope: key")
    func adminOnly() async throws {
        let host = try TestHost(yaml: Self.yaml, environment: Self.environment)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await host.application.cacheWarmer.run() }
            try await host.test { client in
                let alice: HTTPFields = [.authorization: "Bearer pk-alice-1"]
                let ops: HTTPFields = [.authorization: "Bearer pk-ops-3"]
                #expect(try await client.execute(uri: "/api/v1/cache/stats", method: .get).status == .unauthorized)
                #expect(try await client.execute(uri: "/api/v1/cache/stats", method: .get, headers: alice).status == .ok)
                for (method, uri) in [(HTTPRequest.Method.post, "/api/v1/cache/warm"), (.delete, "/api/v1/cache/clear")] {
                    let refused = try await client.execute(uri: uri, method: method, headers: alice)
                    #expect(refused.status == .forbidden, "\(uri)")
                    #expect(String(buffer: refused.body).contains("admin: true"))
                }
                let warmed = try await client.execute(uri: "/api/v1/cache/warm", method: .post, headers: ops)
                #expect(warmed.status == .accepted)
                try await withDeadline(20) {
                    while !String(buffer: try await client.execute(uri: "/api/v1/cache/stats", method: .get, headers: ops).body).contains(#""entries":1,"#) {
                        await Task.yield()
                    }
                }
                try await Self.expect("HIT", client, key: "pk-alice-1", "Hello there")
                try await Self.expect("HIT", client, key: "pk-bob-2", "Hello there")
                let cleared = try await client.execute(uri: "/api/v1/cache/clear", method: .delete, headers: ops)
                #expect(String(buffer: cleared.body) == #"{"cleared":1}"#)
            }
            group.cancelAll()
        }
    }
}
