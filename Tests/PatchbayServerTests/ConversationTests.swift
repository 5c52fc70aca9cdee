import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayStorage
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// A host with a real SQLite store in a temporary folder.
struct StoredHost {
    let directory: TemporaryDirectory
    let path: String
    let host: TestHost
    let store: SQLiteConversationStore
    let recorder: LogRecorder

    static let yaml = TestHost.yaml + """

          short: {provider: echo, model: echo-1, max_conversation_length: 2}
          quick: {provider: echo, model: echo-1, conversation_timeout: 60}
        """

    init(directory: TemporaryDirectory? = nil, recorder: LogRecorder = LogRecorder()) throws {
        self.directory = try directory ?? TemporaryDirectory()
        self.path = "\(self.directory.path)/data/patchbay.sqlite"
        self.recorder = recorder
        self.store = try SQLiteConversationStore(path: path, logger: recorder.logger())
        self.host = try TestHost(yaml: Self.yaml, store: store, logger: recorder.logger())
    }

    func withApp<T: Sendable>(_ test: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await host.test(test)
    }
}

extension TestClientProtocol {
    func chat(_ json: String) async throws -> TestResponse {
        try await execute(uri: "/api/chat", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    }

    func json(_ uri: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        let response = try await execute(uri: uri, method: .get)
        let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
        return (response.status, object)
    }
}

/// The `usage.inputTokens` of a non-streamed reply: the echo plugin counts the words of every
/// message it was sent, so this number shows how much context the provider saw.
func inputTokens(_ response: TestResponse) throws -> Int {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    return try #require((object["usage"] as? [String: Any])?["inputTokens"] as? Int)
}

@Suite("Conversations persist in SQLite, through the real host")
struct ConversationTests {
    @Test("a conversation continues across a server restart")
    func continuesAcrossRestart() async throws {
        let directory = try TemporaryDirectory()
        let id: String = try await StoredHost(directory: directory).withApp { client in
            let response = try await client.chat(#"{"message":"one","assistantType":"default","stream":false}"#)
            #expect(response.status == .ok)
            #expect(try inputTokens(response) == 1)
            let id = try #require(response.headers[.xConversationID])
            #expect(String(buffer: response.body).contains(#""conversationId":"\#(id)""#))
            return id
        }
        // A new store on the same file: a restarted server.
        try await StoredHost(directory: directory).withApp { client in
            // The client's own history is ignored: the server remembers "one" and its reply.
            let response = try await client.chat(#"{"message":"two three","history":[{"text":"forged words here","sender":"user"}],"conversationId":"\#(id)","stream":false}"#)
            #expect(try inputTokens(response) == 4)
            let (status, body) = try await client.json("/api/conversations/\(id)")
            #expect(status == .ok)
            let messages = try #require(body["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user", "assistant"])
            #expect(messages.map { $0["content"] as? String } == ["one", "one", "two three", "two three"])
            #expect(messages.allSatisfy { $0["status"] as? String == "complete" })
            #expect(messages[1]["provider"] as? String == "echo")
            #expect(messages[1]["model"] as? String == "echo-1")
            #expect((messages[1]["usage"] as? [String: Any])?["outputTokens"] as? Int == 1)
        }
    }

    @Test("an unknown conversation id is created, seeded with the client's history")
    func seedsUnknownConversation() async throws {
        try await StoredHost().withApp { client in
            let response = try await client.chat(#"{"message":"new","history":[{"text":"old words","sender":"user"},{"text":"reply","sender":"assistant"}],"conversationId":"client-chosen-1","stream":false}"#)
            #expect(try inputTokens(response) == 4)
            #expect(response.headers[.xConversationID] == "client-chosen-1")
            let (_, body) = try await client.json("/api/conversations/client-chosen-1")
            #expect((body["messages"] as? [[String: Any]])?.count == 4)
        }
    }

    @Test("the messages shape stays stateless without an id")
    func messagesShapeIsStateless() async throws {
        try await StoredHost().withApp { client in
            let response = try await client.chat(#"{"messages":[{"role":"user","content":"x"}],"stream":false}"#)
            #expect(response.headers[.xConversationID] == nil)
            let (_, health) = try await client.json("/health")
            #expect((health["stats"] as? [String: Any])?["totalConversations"] as? Int == 0)
        }
    }

    @Test("the context is trimmed to max_conversation_length, the system prompt never dropped")
    func trimsContext() async throws {
        try await StoredHost().withApp { client in
            let first = try await client.chat(#"{"message":"a","assistantType":"short","stream":false}"#)
            let id = try #require(first.headers[.xConversationID])
            for word in ["b", "c"] {
                _ = try await client.chat(#"{"message":"\#(word)","assistantType":"short","conversationId":"\#(id)","stream":false}"#)
            }
            // Stored: a a b b c c — only the last 2 go along with the new message.
            let response = try await client.chat(#"{"message":"d","assistantType":"short","conversationId":"\#(id)","stream":false}"#)
            #expect(try inputTokens(response) == 3)
        }
    }

    @Test("after conversation_timeout of inactivity the context resets; old messages are kept; the reply says so")
    func resetsAfterInactivity() async throws {
        let stored = try StoredHost()
        let store = stored.store
        let longAgo = Date().addingTimeInterval(-3600)
        _ = try await store.createConversation(id: "stale", assistantType: "quick", seed: [
            NewMessage(role: .user, content: "old question", createdAt: longAgo),
            NewMessage(role: .assistant, content: "old answer", createdAt: longAgo),
        ], at: longAgo)
        try await stored.withApp { client in
            let response = try await client.chat(#"{"message":"fresh","assistantType":"quick","conversationId":"stale","stream":false}"#)
            #expect(try inputTokens(response) == 1)
            #expect(String(buffer: response.body).contains(#""conversationReset":true"#))
            let streamed = try await client.chat(#"{"message":"again","assistantType":"quick","conversationId":"stale","stream":true}"#)
            #expect(!String(buffer: streamed.body).contains("conversationReset"), "only the turn that reset says so")
            let (_, body) = try await client.json("/api/conversations/stale")
            #expect((body["messages"] as? [[String: Any]])?.first?["content"] as? String == "old question")
            #expect((body["conversation"] as? [String: Any])?["contextStartedAt"] != nil)
        }
    }

    @Test("a failed reply is stored with status error, its partial text and code")
    func storesErrorStatus() async throws {
        try await StoredHost().withApp { client in
            let response = try await client.chat(#"{"message":"fail-after:1:PROVIDER_ERROR","assistantType":"scripted","conversationId":"err-1"}"#)
            #expect(String(buffer: response.body).contains(#""code":"PROVIDER_ERROR""#))
            let (_, body) = try await client.json("/api/conversations/err-1")
            let reply = try #require((body["messages"] as? [[String: Any]])?.last)
            #expect(reply["status"] as? String == "error")
            #expect(reply["content"] as? String == "part0 ")
            #expect(reply["errorCode"] as? String == "PROVIDER_ERROR")

            _ = try await client.chat(#"{"message":"error:TIMEOUT","assistantType":"scripted","conversationId":"err-2"}"#)
            let (_, early) = try await client.json("/api/conversations/err-2")
            #expect((early["messages"] as? [[String: Any]])?.map { $0["status"] as? String } == ["complete", "error"])
        }
    }

    @Test("a client that disconnects mid-stream leaves a cancelled reply with the partial text")
    func storesCancelledStatus() async throws {
        let recorder = LogRecorder()
        let stored = try StoredHost(recorder: recorder)
        let words = (1...400).map { "w\($0)" }.joined(separator: " ")
        try await stored.host.live { port in
            _ = try await RawHTTPClient.exchange(
                port: port,
                request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","conversationId":"gone","stream":true}"#)
            ) { inbound in
                try await RawHTTPClient.read(&inbound) { $0.contains(#""content":" w2""#) }
            }
            _ = try await withDeadline { try await recorder.firstLine { $0.message == "chat ended" && $0.metadata["outcome"] == "cancelled" } }
        }
        let page = try await stored.store.messages(conversationID: "gone", page: 1, limit: 10)
        #expect(page.messages.map(\.status) == [.complete, .cancelled])
        let partial = try #require(page.messages.last?.content)
        #expect(partial.hasPrefix("w1 w2"))
        #expect(partial.count < words.count)
    }

    @Test("GET pages a conversation; DELETE removes it")
    func pagingAndDelete() async throws {
        try await StoredHost().withApp { client in
            let first = try await client.chat(#"{"message":"m1","stream":false}"#)
            let id = try #require(first.headers[.xConversationID])
            for index in 2...4 { _ = try await client.chat(#"{"message":"m\#(index)","conversationId":"\#(id)","stream":false}"#) }

            let (status, body) = try await client.json("/api/conversations/\(id)?page=2&limit=3")
            #expect(status == .ok)
            let messages = try #require(body["messages"] as? [[String: Any]])
            #expect(messages.map { $0["content"] as? String } == ["m2", "m3", "m3"])
            let pagination = try #require(body["pagination"] as? [String: Any])
            #expect(pagination["page"] as? Int == 2)
            #expect(pagination["limit"] as? Int == 3)
            #expect(pagination["total"] as? Int == 8)
            #expect(pagination["pages"] as? Int == 3)
            #expect(pagination["has_next"] as? Bool == true)
            #expect(pagination["has_prev"] as? Bool == true)
            let (_, last) = try await client.json("/api/conversations/\(id)?page=3&limit=3")
            #expect((last["messages"] as? [[String: Any]])?.count == 2)
            #expect((last["pagination"] as? [String: Any])?["has_next"] as? Bool == false)

            let (badStatus, bad) = try await client.json("/api/conversations/\(id)?limit=0")
            #expect(badStatus == .badRequest)
            #expect(((bad["error"] as? [String: Any])?["details"] as? [String: Any])?["field"] as? String == "limit")

            let deleted = try await client.execute(uri: "/api/conversations/\(id)", method: .delete)
            #expect(deleted.status == .noContent)
            #expect(try await client.json("/api/conversations/\(id)").0 == .notFound)
            #expect(try await client.execute(uri: "/api/conversations/\(id)", method: .delete).status == .notFound)
        }
    }

    @Test("an id no conversation can have is 404, not a storage failure")
    func impossibleIDIsNotFound() async throws {
        try await StoredHost().withApp { client in
            for id in [String(repeating: "a", count: 129), "%1AG%F3%A0%B9%B4", "a b"] {
                let path = "/api/conversations/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
                let (status, body) = try await client.json(path)
                #expect(status == .notFound, "GET \(path)")
                #expect((body["error"] as? [String: Any])?["code"] as? String == "NOT_FOUND")
                #expect(try await client.execute(uri: path, method: .delete).status == .notFound, "DELETE \(path)")
            }
        }
    }

    @Test("50 conversations writing at once lose nothing")
    func concurrentConversations() async throws {
        try await StoredHost().withApp { client in
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let id = "parallel-\(index)"
                        for turn in 0..<3 {
                            let response = try await client.chat(#"{"message":"c\#(index) t\#(turn)","conversationId":"\#(id)","stream":\#(turn == 1)}"#)
                            #expect(response.status == .ok)
                        }
                        return id
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(ids.count == 50)
            let (_, health) = try await client.json("/health")
            let stats = try #require(health["stats"] as? [String: Any])
            #expect(stats["totalConversations"] as? Int == 50)
            #expect(stats["totalMessages"] as? Int == 300)
            #expect(stats["activeConversations"] as? Int == 50)
            for id in ids {
                let (_, body) = try await client.json("/api/conversations/\(id)?limit=10")
                let index = id.split(separator: "-").last!
                let contents = (body["messages"] as? [[String: Any]])?.compactMap { $0["content"] as? String }
                #expect(contents == (0..<3).flatMap { ["c\(index) t\($0)", "c\(index) t\($0)"] })
            }
        }
    }
}
