import Foundation
import NIOCore
import PatchbayTestSupport
import Testing

@Suite("Slow clients are cut off", .timeLimit(.minutes(2)))
struct SlowClientTests {
    // 2 s: short for a test, long enough that a loaded machine reads a prompt request head in time.
    static let yaml = "server: {header_timeout_ms: 2000, body_timeout_ms: 2000}"

    /// Sends `text` and then nothing; returns what the server sent before closing the connection.
    /// (On a machine so busy that the server's timer fires before the client has written, the
    /// write itself finds the connection closed: that is the same outcome.)
    func sendAndWaitForClose(port: Int, _ text: String) async throws -> String {
        try await withDeadline(20) {
            do {
                return try await RawHTTPClient.exchange(port: port, request: text) { inbound in
                    try await RawHTTPClient.read(&inbound) { _ in false }  // until the server closes
                }
            } catch ChannelError.ioOnClosedChannel {
                return ""
            } catch let error as IOError where error.errnoCode == ECONNRESET {
                // Closed with a reset (the server had not read all we sent): closed all the same.
                return ""
            }
        }
    }

    @Test("headers that never finish: the connection is closed after header_timeout_ms")
    func slowHeaders() async throws {
        let host = try RateLimitedHost(Self.yaml)
        try await host.live { port in
            let received = try await sendAndWaitForClose(port: port, "POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Le")
            #expect(received.isEmpty)
            // Everyone else is still served. Eventually: on a machine so loaded that this very
            // request's head takes longer than header_timeout_ms to be read, it is cut off too
            // (a reset), which is the timeout working, not the server failing.
            try await LiveHTTP.eventually {
                do {
                    return try await rawStatus(port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"hi","stream":false}"#)) == 200
                } catch let error as IOError where error.errnoCode == ECONNRESET {
                    return false
                }
            }
        }
    }

    @Test("a body that never finishes: the connection is closed after body_timeout_ms, and the chat is never started")
    func slowBody() async throws {
        let host = try RateLimitedHost(Self.yaml + "\nlimits: {requests_per_day: 100}")
        try await host.live { port in
            let received = try await sendAndWaitForClose(
                port: port, "POST /api/chat HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"message\":")
            #expect(!received.contains("HTTP/1.1 200"))
            let report = try await RawHTTPClient.exchange(port: port, request: "GET /api/rate-limit HTTP/1.1\r\nHost: localhost\r\n\r\n") {
                try await RawHTTPClient.read(&$0) { $0.hasSuffix("}") }
            }
            #expect(report.contains(#""remaining":100"#), "the cut-off request was never counted: \(report)")
        }
    }

    @Test("an idle kept-alive connection is closed after header_timeout_ms, once its response has ended")
    func idleKeepAlive() async throws {
        let host = try RateLimitedHost(Self.yaml)
        try await host.live { port in
            // The test process runs every suite at once on two cores, and its hosts share NIO's
            // event loops: a loop busy for 2 s lets the header timer cut the request off before its
            // head is read, which is the slow-headers case, not this one. Such a try is taken
            // again; a server that never answers, or never closes the idle connection, fails all.
            var received = ""
            for _ in 1...3 where received.isEmpty {
                received = try await sendAndWaitForClose(port: port, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            }
            #expect(received.hasPrefix("HTTP/1.1 200"))
        }
    }
}
