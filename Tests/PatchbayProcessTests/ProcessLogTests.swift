import Foundation
import PatchbayTestSupport
import Testing

/// The log of a real `patchbay serve`, taken whole from its output after a run that goes through
/// every kind of request: keys right and wrong, chat turns streamed and not, stored
/// conversations, bad bodies, refusals. Written at `debug`, more than a production server writes,
/// and read line by line.
@Suite("The server's own log", .timeLimit(.minutes(2)))
struct ProcessLogTests {
    static let key = "pk-canary-KEY-0123456789"
    static let wrongKey = "pk-canary-WRONG-9876543210"
    static let text = "CANARY-MESSAGE-TEXT"

    @Test("a full run's JSON log holds no key, no Authorization header and no message text")
    func logHoldsNoSecrets() async throws {
        let directory = try TemporaryDirectory()
        try directory.copy(TestPaths.builtPlugin("EchoProvider"), as: "libEchoProvider.so")
        let config = try directory.write("""
            plugins: {directory: .}
            storage: {sqlite_path: ./chats.sqlite}
            logging: {level: debug, format: json}
            auth:
              enabled: true
              keys:
                - id: widget
                  key_env: PATCHBAY_LOG_TEST_KEY
                  assistants: [default]
            limits: {requests_per_day: 6}
            providers:
              echo: {plugin: echo}
              slow: {plugin: echo, delay_ms: 5}
            assistants:
              default: {provider: echo, model: echo-1, system_prompt: "\(Self.text) in the system prompt"}
              other: {provider: slow, model: echo-1}
            """, as: "providers.yaml")
        let server = try await ServerProcess(config: config, environment: ["PATCHBAY_LOG_TEST_KEY": Self.key])
        let port = server.port
        func send(_ request: String) async throws -> String {
            try await RawHTTPClient.exchange(port: port, request: request) { inbound in
                try await RawHTTPClient.read(&inbound) { $0.contains(#""done":true"#) || $0.contains(#""error":{"#) || $0.hasSuffix("}") }
            }
        }
        let bearer = ["Authorization": "Bearer \(Self.key)"]
        let chat = #"{"message":"\#(Self.text) one","assistantType":"default","conversationId":"log-test"}"#
        var statuses: [String] = []
        for request in [
            RawHTTPClient.post("/api/chat", json: chat),
            RawHTTPClient.post("/api/chat", json: chat, headers: ["Authorization": "Bearer \(Self.wrongKey)"]),
            RawHTTPClient.post("/api/chat", json: chat, headers: ["X-API-Key": Self.wrongKey]),
            RawHTTPClient.post("/api/chat", json: chat, headers: bearer),
            RawHTTPClient.post("/api/chat", json: #"{"message":"\#(Self.text) two","stream":false,"conversationId":"log-test"}"#, headers: ["X-API-Key": Self.key]),
            RawHTTPClient.post("/api/chat", json: #"{"messages":[{"role":"user","content":"\#(Self.text) three"}]}"#, headers: bearer),
            RawHTTPClient.post("/api/chat", json: #"{"message":"\#(Self.text) four","assistantType":"other"}"#, headers: bearer),
            RawHTTPClient.post("/api/chat", json: #"{"message":"\#(Self.text) five"#, headers: bearer),
            RawHTTPClient.post("/api/chat", json: #"{"messages":[{"role":"wizard","content":"\#(Self.text)"}]}"#, headers: bearer),
            "GET /api/conversations/log-test HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(Self.key)\r\n\r\n",
            "GET /api/rate-limit HTTP/1.1\r\nHost: localhost\r\nX-API-Key: \(Self.key)\r\n\r\n",
        ] + Array(repeating: RawHTTPClient.post("/api/chat", json: chat, headers: bearer), count: 5) {
            let reply = try await send(request)
            statuses.append(String(reply.prefix(12)))
        }
        server.kill(SIGTERM)
        let log = await server.finalOutput()

        // The run went where it should: refusals, turns, a 403, a 400, and the limit reached.
        for status in ["401", "200", "403", "400", "429"] {
            #expect(statuses.contains { $0.hasSuffix(status) }, "\(status) in \(statuses)")
        }
        let lines = log.split(separator: "\n")
        #expect(lines.count > 20)
        var accessLines = 0
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not one JSON object: \(line)")
            if object?["message"] as? String == "request", object?["http.path"] as? String == "/api/chat" { accessLines += 1 }
        }
        #expect(accessLines == 14, "one access line per chat request")
        #expect(log.contains(#""caller.id":"widget""#))
        for secret in [Self.key, Self.wrongKey, "pk-canary", Self.text, "Bearer"] {
            #expect(!log.contains(secret), "the log holds '\(secret)'")
        }
    }
}
