import Foundation
import Hummingbird
import Logging
import NIOCore
import PatchbayConfig
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

@Suite("A live server over real sockets", .timeLimit(.minutes(2)))
struct LiveServerTests {
    @Test("a client that disconnects mid-stream cancels the plugin's call before it has emitted everything")
    func disconnectCancelsPlugin() async throws {
        let recorder = LogRecorder()
        let host = try TestHost(logger: recorder.logger())
        let words = (1...400).map { "w\($0)" }.joined(separator: " ")
        try await host.live { port in
            let firstBytes = try await RawHTTPClient.exchange(
                port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","stream":true}"#)
            ) { inbound in
                // Read until the first delta frame, then hang up.
                try await RawHTTPClient.read(&inbound) { $0.contains(#"data: {"content":"w1","done":false}"#) }
            }
            #expect(firstBytes.hasPrefix("HTTP/1.1 200 OK"))
            // The echo plugin logs through the host when its worker ends a cancelled call.
            let line = try await withDeadline { try await recorder.firstLine { $0.message.hasPrefix("echo: call cancelled after") } }
            let emitted = try #require(Int(line.message.split(separator: " ")[4]))
            #expect(emitted < 400, "the plugin stopped early: \(emitted) of 400 words")
            #expect(line.metadata["provider"] == "slow")
        }
    }

    @Test("every delta is flushed on its own: the first frame arrives long before the last")
    func framesAreFlushedOneByOne() async throws {
        // 300 ms between words: seconds of slack for a reader that a loaded machine schedules late.
        let host = try TestHost(yaml: TestHost.yaml.replacingOccurrences(of: "slow: {plugin: echo, delay_ms: 20}", with: "slow: {plugin: echo, delay_ms: 300}"))
        let words = (1...10).map { "w\($0)" }.joined(separator: " ")
        try await host.live { port in
            try await RawHTTPClient.exchange(
                port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","stream":true}"#)
            ) { inbound in
                let head = try await RawHTTPClient.read(&inbound) { $0.contains(#""content":"w1""#) }
                // 9 more words are 300 ms apart in the plugin: a buffering server would have sent
                // them together with the first.
                #expect(!head.contains(#""done":true"#))
                #expect(head.lowercased().contains("content-type: text/event-stream"))
                let rest = try await RawHTTPClient.read(&inbound) { $0.contains(#""done":true"#) }
                #expect(rest.contains(#""content":" w10""#))
            }
        }
    }

    /// Issue 17: a stream that ended used to close its connection without saying so, and the
    /// client's next request on it found it dead.
    @Test("keep-alive after a stream: a streamed reply, then more requests on the same connection")
    func keepAliveAfterStream() async throws {
        let host = try TestHost()
        try await host.live { port in
            let replies = try await RawHTTPClient.session(to: .tcp(host: "127.0.0.1", port: port)) { inbound, send in
                var replies: [String] = []
                for turn in ["first", "second"] {
                    try await send(RawHTTPClient.post("/api/chat", json: #"{"message":"\#(turn) turn","stream":true}"#))
                    // The chunked body's last chunk ends the response; the next goes on the same socket.
                    replies.append(try await RawHTTPClient.read(&inbound) { $0.hasSuffix("0\r\n\r\n") })
                }
                try await send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                replies.append(try await RawHTTPClient.read(&inbound) { $0.contains(#""status""#) })
                return replies
            }
            #expect(replies.count == 3)
            #expect(replies.allSatisfy { $0.hasPrefix("HTTP/1.1 200 OK") })
            #expect(replies[1].contains(#""content":" turn""#) && replies[1].contains(#""done":true"#))
            #expect(!replies[0].lowercased().contains("connection: close"))
        }
    }

    @Test("keep-alive: several plain JSON requests on one connection")
    func keepAlive() async throws {
        let host = try TestHost()
        try await host.live { port in
            let request = RawHTTPClient.post("/api/chat", json: #"{"message":"one","stream":false}"#)
            let text = try await RawHTTPClient.exchange(port: port, request: request + request) { inbound in
                try await RawHTTPClient.read(&inbound) { $0.components(separatedBy: "HTTP/1.1 200 OK").count == 3 }
            }
            #expect(text.components(separatedBy: #""content":"one""#).count == 3)
        }
    }
}
