import Foundation
import PatchbayTestSupport
import Testing

@Suite("The server process")
struct ServerProcessTests {
    @Test("a server killed with SIGKILL mid-stream keeps every user message it had acknowledged")
    func sigkillKeepsUserMessages() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write("""
            plugins: {directory: .}
            storage: {sqlite_path: ./db/chats.sqlite}
            providers:
              echo: {plugin: echo}
              slow: {plugin: echo, delay_ms: 50}
            assistants:
              default: {provider: echo, model: echo-1}
              slow: {provider: slow, model: echo-1}
            """, as: "providers.yaml")
        let words = (1...200).map { "w\($0)" }.joined(separator: " ")

        let first = try await ServerProcess(config: config)
        for turn in ["first turn", "second turn"] {
            let reply = try await RawHTTPClient.exchange(
                port: first.port,
                request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(turn)","conversationId":"killed","stream":false}"#)
            ) { try await RawHTTPClient.read(&$0) { $0.contains(#""done":true"#) } }
            #expect(reply.hasPrefix("HTTP/1.1 200 OK"))
        }
        // The third turn is acknowledged (its stream has begun) when the server dies.
        let head = try await RawHTTPClient.exchange(
            port: first.port,
            request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","conversationId":"killed","stream":true}"#)
        ) { inbound in
            let text = try await RawHTTPClient.read(&inbound) { $0.contains(#""content":"w1""#) }
            first.kill(SIGKILL)
            return text
        }
        #expect(head.contains("X-Conversation-ID: killed"))

        let second = try await ServerProcess(config: config)
        defer { second.kill(SIGTERM) }
        let page = try await RawHTTPClient.exchange(
            port: second.port, request: "GET /api/conversations/killed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        ) { try await RawHTTPClient.read(&$0) { _ in false } }
        let body = try #require(page.range(of: "\r\n\r\n").map { String(page[$0.upperBound...]) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let messages = try #require(json["messages"] as? [[String: Any]])
        let userMessages = messages.filter { $0["role"] as? String == "user" }.compactMap { $0["content"] as? String }
        #expect(userMessages == ["first turn", "second turn", words])
        #expect(FileManager.default.fileExists(atPath: "\(directory.path)/db/chats.sqlite"))
    }
}
