import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayStorage
import PatchbayTestSupport
import Synchronization
import Testing

@testable import PatchbayServer

/// OWASP API1: with authentication on, a conversation belongs to the key that created it.
@Suite("Conversations belong to their key")
struct ConversationOwnershipTests {
    static let yaml = TestHost.yaml + """

        auth:
          enabled: true
          keys:
            - {id: alice, key_env: ALICE_KEY}
            - {id: bob, key_env: BOB_KEY}
            - {id: ops, key_env: OPS_KEY, admin: true}
        """
    static let keys = ["ALICE_KEY": "k-alice-1", "BOB_KEY": "k-bob-2", "OPS_KEY": "k-ops-3"]

    private func chat(_ client: some TestClientProtocol, key: String, conversation: String, message: String = "hello") async throws -> TestResponse {
        try await client.execute(uri: "/api/chat", method: .post, headers: [.authorization: "Bearer \(key)", .contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"message":"\#(message)","conversationId":"\#(conversation)","stream":false}"#))
    }

    private func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ id: String, key: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/conversations/\(id)", method: method, headers: [.authorization: "Bearer \(key)"])
    }

    @Test("key B gets 404 for key A's conversation on read, continue and delete; an admin key reads it; A still has it")
    func otherKeysSeeNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/c.sqlite", logger: LogRecorder().logger())
        try await TestHost(yaml: Self.yaml, environment: Self.keys, store: store).test { client in
            #expect(try await chat(client, key: "k-alice-1", conversation: "alice-1").status == .ok)
            #expect(try await store.conversation(id: "alice-1")?.owner == "alice")

            let read = try await call(client, .get, "alice-1", key: "k-bob-2")
            let missing = try await call(client, .get, "no-such-id", key: "k-bob-2")
            #expect(read.status == .notFound)
            // The same answer as for an id that does not exist: nothing confirms it does.
            #expect(String(buffer: read.body).replacingOccurrences(of: "alice-1", with: "X")
                    == String(buffer: missing.body).replacingOccurrences(of: "no-such-id", with: "X"))
            let continued = try await chat(client, key: "k-bob-2", conversation: "alice-1", message: "mine now")
            #expect(continued.status == .notFound)
            #expect(String(buffer: continued.body).contains(#""code":"NOT_FOUND""#))
            #expect(try await call(client, .delete, "alice-1", key: "k-bob-2").status == .notFound)

            let asAdmin = try await call(client, .get, "alice-1", key: "k-ops-3")
            #expect(asAdmin.status == .ok)
            // An admin reads but does not speak in someone else's conversation.
            #expect(try await chat(client, key: "k-ops-3", conversation: "alice-1").status == .notFound)
            #expect(try await store.conversation(id: "alice-1")?.messageCount == 2, "nothing was appended by B or the admin")
            #expect(try await chat(client, key: "k-alice-1", conversation: "alice-1", message: "again").status == .ok)
            #expect(try await call(client, .get, "alice-1", key: "k-alice-1").status == .ok)

            #expect(try await call(client, .delete, "alice-1", key: "k-ops-3").status == .noContent)
            #expect(try await store.conversation(id: "alice-1") == nil)
        }
    }

    @Test("a conversation stored with auth off has no owner: with auth on, only an admin key reads it")
    func ownerlessConversations() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/c.sqlite", logger: LogRecorder().logger())
        try await TestHost(store: store).test { client in
            let response = try await client.execute(uri: "/api/chat", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"message":"open","conversationId":"open-1","stream":false}"#))
            #expect(response.status == .ok)
            // Auth off: the id is a bearer capability.
            #expect(try await client.execute(uri: "/api/conversations/open-1", method: .get).status == .ok)
        }
        #expect(try await store.conversation(id: "open-1")?.owner == nil)
        try await TestHost(yaml: Self.yaml, environment: Self.keys, store: store).test { client in
            let byAlice = try await call(client, .get, "open-1", key: "k-alice-1")
            let continued = try await chat(client, key: "k-alice-1", conversation: "open-1")
            let byAdmin = try await call(client, .get, "open-1", key: "k-ops-3")
            #expect(byAlice.status == .notFound && continued.status == .notFound)
            #expect(byAdmin.status == .ok)
        }
    }
}

@Suite("Wrong API keys are throttled per address")
struct AuthFailureThrottleTests {
    static let yaml = TestHost.yaml + """

        auth:
          enabled: true
          keys:
            - {id: alice, key_env: ALICE_KEY}
        """

    @Test("the 11th wrong key in a minute gets 429 with Retry-After, and so does the right key until the minute passes")
    func eleventhWrongKey() async throws {
        let recorder = LogRecorder()
        let host = try TestHost(yaml: Self.yaml, environment: ["ALICE_KEY": "k-alice-1"], logger: recorder.logger())
        try await host.test { client in
            func get(_ key: String?) async throws -> TestResponse {
                try await client.execute(uri: "/api/assistants", method: .get, headers: key.map { [.authorization: "Bearer \($0)"] } ?? [:])
            }
            // No key at all is not a guess.
            for _ in 0..<12 { #expect(try await get(nil).status == .unauthorized) }
            for attempt in 1...10 {
                #expect(try await get("k-guess-\(attempt)").status == .unauthorized, "attempt \(attempt)")
            }
            let refused = try await get("k-guess-11")
            #expect(refused.status == .tooManyRequests)
            #expect(String(buffer: refused.body).contains(#""code":"RATE_LIMITED""#))
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(retryAfter))
            #expect(try await get("k-alice-1").status == .tooManyRequests)
        }
        #expect(recorder.lines.filter { $0.message.hasPrefix("too many wrong API keys") }.count == 1, "logged once per window")
        #expect(!recorder.lines.contains { $0.rendered.contains("k-guess") }, "a presented key is never logged")
        let metrics = String(decoding: host.application.metrics.render(), as: UTF8.self)
        #expect(metrics.contains("patchbay_auth_failures_total 10"))
        #expect(metrics.contains("patchbay_auth_throttled_total 2"))
    }

    @Test("the window passes: an address may try again a minute later")
    func windowPasses() {
        let clock = Mutex(ContinuousClock.now)
        let limiter = AuthFailureLimiter(metrics: nil, now: { clock.withLock { $0 } })
        for _ in 0..<3 { _ = limiter.recordFailure(from: "203.0.113.7", limit: 3) }
        #expect(limiter.wait(for: "203.0.113.7", limit: 3) == .seconds(60))
        #expect(limiter.wait(for: "203.0.113.8", limit: 3) == nil)
        clock.withLock { $0 += .seconds(59) }
        #expect(limiter.wait(for: "203.0.113.7", limit: 3) == .seconds(1))
        clock.withLock { $0 += .seconds(1) }
        #expect(limiter.wait(for: "203.0.113.7", limit: 3) == nil)
        #expect(!limiter.recordFailure(from: "203.0.113.7", limit: 3), "a new window starts from one failure")
    }
}
