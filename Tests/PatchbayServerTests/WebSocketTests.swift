import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import PatchbayStorage
import PatchbayTestSupport
import Synchronization
import Testing

@testable import PatchbayServer

/// One 004 client's side of a socket: JSON text out, every reply parsed and kept in order.
struct ChatSocket {
    var inbound: WebSocketInboundMessageStream.AsyncIterator
    let outbound: WebSocketOutboundWriter
    /// Every message read so far.
    var received: [[String: Any]] = []

    init(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) {
        self.inbound = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
        self.outbound = outbound
    }

    func send(_ json: String) async throws {
        try await outbound.write(.text(json))
    }

    /// `{type: "chat", id, data: {message, model, stream}}` and any other data members.
    func chat(_ id: String, _ message: String, model: String = "default", stream: Bool = true, extra: String = "") async throws {
        try await send(#"{"type":"chat","id":"\#(id)","data":{"message":"\#(message)","model":"\#(model)","stream":\#(stream)\#(extra)}}"#)
    }

    /// Reads until a message matches, and returns it.
    @discardableResult
    mutating func read(until predicate: ([String: Any]) -> Bool) async throws -> [String: Any] {
        while let message = try await inbound.next() {
            guard case .text(let text) = message else { throw UnexpectedReply(text: "a binary message") }
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not an object: \(text)")
            received.append(object)
            if predicate(object) { return object }
        }
        throw UnexpectedReply(text: "the socket closed")
    }

    /// Reads until the message of `type` for `id`.
    @discardableResult
    mutating func read(_ type: String, id: String?) async throws -> [String: Any] {
        try await read { $0["type"] as? String == type && ($0["id"] as? String) == id }
    }

    /// Every message read so far for `id`, as its types.
    func types(of id: String) -> [String] {
        received.filter { $0["id"] as? String == id }.compactMap { $0["type"] as? String }
    }

    struct UnexpectedReply: Error { var text: String }
}

extension [String: Any] {
    /// `data`'s member `key`.
    func data(_ key: String) -> Any? { (self["data"] as? [String: Any])?[key] }
}

/// Opens a socket to a live host and runs `body` on it; the socket closes when `body` returns.
/// The deadline is a failure guard around the whole exchange (whose own waits have 30 s each).
/// With `tls`, over `wss://localhost` (the client sends the host as SNI, which cannot be an IP address).
func withChatSocket(port: Int, query: String = "", headers: HTTPFields = [:], tls: TLSConfiguration? = nil,
                    _ body: @escaping @Sendable (inout ChatSocket) async throws -> Void) async throws {
    let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
    _ = try await withDeadline(60) {
        try await WebSocketClient.connect(url: tls == nil ? "ws://127.0.0.1:\(port)/ws/chat\(query)" : "wss://localhost:\(port)/ws/chat\(query)", configuration: configuration,
                                          tlsConfiguration: tls, logger: Logger(label: "ws-test")) { inbound, outbound, _ in
            var socket = ChatSocket(inbound, outbound)
            try await body(&socket)
        }
    }
}

/// What a refused upgrade request gets: status, header lines, body.
struct UpgradeReply {
    var status: Int
    var head: String
    var body: String

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "not a JSON object: \(body)")
    }
}

/// An upgrade request over a raw connection, read until the server closes it.
func rawUpgrade(port: Int, path: String = "/ws/chat", headers: [String: String] = [:]) async throws -> UpgradeReply {
    var request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    for (name, value) in headers { request += "\(name): \(value)\r\n" }
    let text = try await RawHTTPClient.exchange(port: port, request: request + "\r\n") { try await RawHTTPClient.read(&$0) { _ in false } }
    let split = try #require(text.range(of: "\r\n\r\n"), "not an HTTP response: \(text)")
    let status = try #require(Int(text.dropFirst(9).prefix(3)))
    return UpgradeReply(status: status, head: String(text[..<split.lowerBound]), body: String(text[split.upperBound...]))
}

@Suite("WebSocket /ws/chat (004)", .timeLimit(.minutes(2)))
struct WebSocketTests {
    static let words = (1...30).map { "w\($0)" }.joined(separator: " ")
    static let manyWords = (1...400).map { "w\($0)" }.joined(separator: " ")

    @Test("two chats on one socket interleave, each told apart by its id, each complete with its whole reply")
    func twoInterleavedChats() async throws {
        try await TestHost().live { port in
            try await withChatSocket(port: port) { socket in
                let a = Self.words.replacingOccurrences(of: "w", with: "a"), b = Self.words.replacingOccurrences(of: "w", with: "b")
                try await socket.chat("A", a, model: "slow")
                try await socket.chat("B", b, model: "slow")
                var open: Set<String> = ["A", "B"]
                while !open.isEmpty {
                    let message = try await socket.read { ["complete", "error"].contains($0["type"] as? String) }
                    open.remove(try #require(message["id"] as? String))
                }
                for (id, text) in [("A", a), ("B", b)] {
                    let streams = socket.received.filter { $0["id"] as? String == id && $0["type"] as? String == "stream" }
                    #expect(streams.compactMap { $0.data("index") as? Int } == Array(0..<30))
                    #expect(streams.compactMap { $0.data("chunk") as? String }.joined() == text)
                    #expect(streams.allSatisfy { $0.data("finished") as? Bool == false })
                    let complete = try #require(socket.received.first { $0["id"] as? String == id && $0["type"] as? String == "complete" })
                    #expect(complete.data("response") as? String == text)
                    #expect(complete.data("model") as? String == "echo-1")
                    #expect(complete.data("cached") as? Bool == false)
                    let usage = try #require(complete.data("usage") as? [String: Any])
                    let prompt = try #require(usage["prompt_tokens"] as? Int)
                    #expect(usage["completion_tokens"] as? Int == 30)
                    #expect(usage["total_tokens"] as? Int == prompt + 30)
                }
                // Interleaved: B's first chunk came before A's reply was complete.
                let ids = socket.received.map { "\($0["type"]!)-\($0["id"]!)" }
                let firstOfB = try #require(ids.firstIndex(of: "stream-B"))
                #expect(firstOfB < (try #require(ids.firstIndex(of: "complete-A"))), "\(ids)")
            }
        }
    }

    @Test("cancel stops one chat's plugin call at once while the other chat completes")
    func cancelOne() async throws {
        let recorder = LogRecorder()
        try await TestHost(logger: recorder.logger()).live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.chat("long", Self.manyWords, model: "slow")
                try await socket.chat("short", Self.words, model: "slow")
                try await socket.read("stream", id: "long")
                try await socket.send(#"{"type":"cancel","id":"long"}"#)
                let complete = try await socket.read("complete", id: "short")
                #expect(complete.data("response") as? String == Self.words)
                let line = try await withDeadline { try await recorder.firstLine { $0.message.hasPrefix("echo: call cancelled after") } }
                let emitted = try #require(Int(line.message.split(separator: " ")[4]))
                #expect(emitted < 400, "the plugin stopped early: \(emitted) of 400 words")
                // Nothing more comes for the cancelled chat; its turn ended as cancelled.
                try await socket.send(#"{"type":"ping","id":"after"}"#)
                try await socket.read("pong", id: "after")
                #expect(!socket.types(of: "long").contains("complete"))
                let ended = try await withDeadline { try await recorder.firstLine { $0.message == "websocket chat" && $0.metadata["websocket.chat"] == "long" } }
                #expect(ended.metadata["outcome"] == "cancelled")
            }
        }
    }

    @Test("closing the socket cancels its chat's plugin call, and the reply is stored as cancelled")
    func disconnectCancelsUpstream() async throws {
        let recorder = LogRecorder()
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/patchbay.sqlite", logger: recorder.logger())
        try await TestHost(store: store, logger: recorder.logger()).live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.chat("gone", Self.manyWords, model: "slow")
                try await socket.read("stream", id: "gone")
            }
            let line = try await withDeadline { try await recorder.firstLine { $0.message.hasPrefix("echo: call cancelled after") } }
            let emitted = try #require(Int(line.message.split(separator: " ")[4]))
            #expect(emitted < 400, "the plugin stopped early: \(emitted) of 400 words")
            let ended = try await withDeadline { try await recorder.firstLine { $0.message == "websocket chat" } }
            #expect(ended.metadata["outcome"] == "cancelled")
            let conversation = try #require(ended.metadata["conversation.id"])
            let stored = try await store.messages(conversationID: conversation, page: 1, limit: 10).messages
            #expect(stored.map(\.role) == [.user, .assistant])
            #expect(stored.last?.status == .cancelled)
        }
    }

    @Test("stream: false sends only complete")
    func noStream() async throws {
        try await TestHost().live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.chat("one", "hello there", stream: false)
                let complete = try await socket.read("complete", id: "one")
                #expect(complete.data("response") as? String == "hello there")
                try await socket.send(#"{"type":"ping","id":"p"}"#)
                try await socket.read("pong", id: "p")
                #expect(socket.types(of: "one") == ["complete"])
            }
        }
    }

    @Test("ping is answered with pong, its id and the server's time")
    func pingPong() async throws {
        try await TestHost().live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.send(#"{"type":"ping","id":"ping_123","timestamp":"2024-01-01T00:00:00Z"}"#)
                let pong = try await socket.read("pong", id: "ping_123")
                let timestamp = try #require(pong["timestamp"] as? String)
                #expect((try? Date(timestamp, strategy: .iso8601)) != nil, "\(timestamp)")
            }
        }
    }

    @Test("a bad frame gets an error message, and the socket stays usable")
    func badFrames() async throws {
        try await TestHost().live { port in
            try await withChatSocket(port: port) { socket in
                let bad: [(frame: String, id: String?)] = [
                    ("not json", nil),
                    (#"["chat"]"#, nil),
                    (#"{"type":"chat","data":{"message":"hi"}}"#, nil),
                    (#"{"type":"dance","id":"d"}"#, "d"),
                    (#"{"type":"chat","id":"t","data":{"message":5}}"#, "t"),
                    (#"{"type":"chat","id":"u","data":{"message":"hi","temperature":"warm"}}"#, "u"),
                    (#"{"type":"chat","id":"v","data":{"message":"hi","conversation_history":[{"role":"robot","content":"x"}]}}"#, "v"),
                ]
                for (frame, id) in bad {
                    try await socket.send(frame)
                    let error = try await socket.read { $0["type"] as? String == "error" }
                    #expect(error["id"] as? String == id, "\(frame)")
                    #expect(error.data("code") as? String == "INVALID_REQUEST", "\(frame)")
                    #expect((error.data("error") as? String)?.isEmpty == false)
                }
                try await socket.outbound.write(.binary(ByteBuffer(string: "{}")))
                let binary = try await socket.read { $0["type"] as? String == "error" }
                #expect(binary.data("code") as? String == "INVALID_REQUEST")
                try await socket.chat("ok", "still here")
                let complete = try await socket.read("complete", id: "ok")
                #expect(complete.data("response") as? String == "still here")
            }
        }
    }

    @Test("an id already in flight is refused; unknown assistants and hints behave as on the other doors")
    func duplicatesAndHints() async throws {
        try await TestHost().live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.chat("same", Self.words, model: "slow")
                try await socket.chat("same", "again", model: "slow")
                let error = try await socket.read("error", id: "same")
                #expect(error.data("code") as? String == "INVALID_REQUEST")
                try await socket.read("complete", id: "same")
                // A hint that matches nothing is ignored: the default assistant answers.
                try await socket.chat("hint", "hi", model: "gpt-3.5-turbo", extra: #","temperature":0.7,"max_tokens":1000,"system_prompt":"You are helpful","conversation_history":[]"#)
                let hinted = try await socket.read("complete", id: "hint")
                #expect(hinted.data("model") as? String == "echo-1")
            }
        }
    }

    @Test("the sixth connection in a minute is refused with 429 before the upgrade")
    func connectionLimit() async throws {
        let fixed = Date(timeIntervalSince1970: 1_800_000_000)  // one UTC minute for the whole test
        try await TestHost(clock: { fixed }).live { port in
            for index in 1...5 {
                try await withChatSocket(port: port) { socket in
                    try await socket.send(#"{"type":"ping","id":"c\#(index)"}"#)
                    try await socket.read("pong", id: "c\(index)")
                }
            }
            let refused = try await rawUpgrade(port: port)
            #expect(refused.status == 429)
            #expect(refused.head.lowercased().contains("retry-after:"))
            #expect(refused.head.lowercased().contains("x-ratelimit-limit: 5"))
            let error = try #require(try refused.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "RATE_LIMITED")
            await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
                try await withChatSocket(port: port) { _ in }
            }
        }
    }

    @Test("with auth on: ?token= or the usual headers open the socket; no key or a wrong one is 401 before the upgrade")
    func authentication() async throws {
        let host = try TestHost(yaml: AuthTests.yaml, environment: ["PATCHBAY_TEST_OPS_KEY": "pk-ops-456"])
        try await host.live { port in
            for (query, headers) in [("?token=pk-ops-456", [:]), ("", [.authorization: "Bearer pk-ops-456"]), ("", [.xAPIKey: "pk-ops-456"])] as [(String, HTTPFields)] {
                try await withChatSocket(port: port, query: query, headers: headers) { socket in
                    try await socket.chat("auth", "let me in", stream: false)
                    let complete = try await socket.read("complete", id: "auth")
                    #expect(complete.data("response") as? String == "let me in")
                }
            }
            for path in ["/ws/chat", "/ws/chat?token=pk-wrong", "/ws/chat?token="] {
                let refused = try await rawUpgrade(port: port, path: path)
                #expect(refused.status == 401, "\(path)")
                let error = try #require(try refused.json()["error"] as? [String: Any])
                #expect(error["code"] as? String == "UNAUTHORIZED")
                #expect(!refused.body.contains("pk-"), "no key in the answer")
            }
            await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
                try await withChatSocket(port: port) { _ in }
            }
            // The key's assistants hold on the socket too: widget-prod may use `default` only.
            try await withChatSocket(port: port, query: "?token=pk-prod-123") { socket in
                try await socket.chat("f", "hi", model: "slow")
                let refused = try await socket.read("error", id: "f")
                #expect(refused.data("code") as? String == "FORBIDDEN")
                try await socket.chat("g", "hi")
                let complete = try await socket.read("complete", id: "g")
                #expect(complete.data("model") as? String == "echo-1")
            }
        }
    }

    @Test("with auth off, a socket needs no key")
    func noAuth() async throws {
        try await TestHost().live { port in
            try await withChatSocket(port: port) { socket in
                try await socket.chat("open", "no key needed", stream: false)
                let complete = try await socket.read("complete", id: "open")
                #expect(complete.data("response") as? String == "no key needed")
            }
        }
    }

    @Test("a browser page from a foreign origin is refused with 403 before the upgrade; a client library's ws:// origin is no page")
    func foreignOrigin() async throws {
        try await TestHost().live { port in
            let refused = try await rawUpgrade(port: port, headers: ["Origin": "https://evil.example"])
            #expect(refused.status == 403)
            let error = try #require(try refused.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "FORBIDDEN")
            let accepted = try await RawHTTPClient.exchange(port: port, request: "GET /ws/chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: ws://localhost\r\n\r\n") {
                try await RawHTTPClient.read(&$0) { $0.contains("\r\n\r\n") }
            }
            #expect(accepted.hasPrefix("HTTP/1.1 101 Switching Protocols"), "\(accepted)")
        }
    }

    @Test("a plain GET /ws/chat gets a JSON 400 that says what the endpoint is")
    func plainGet() async throws {
        try await TestHost().live { port in
            let reply = try await LiveHTTP.send(port: port, "GET", "/ws/chat")
            #expect(reply.status == 400)
            let error = try #require(try reply.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "INVALID_REQUEST")
            #expect((error["message"] as? String)?.contains("WebSocket") == true)
        }
    }
}

