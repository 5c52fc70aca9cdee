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
