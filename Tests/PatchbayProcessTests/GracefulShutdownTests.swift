import Foundation
import PatchbayTestSupport
import Synchronization
import Testing

/// SIGTERM to a real `patchbay serve` with streams open: it stops accepting, lets replies finish
/// within the grace period, ends the rest with a final SSE error event, stores every reply, and
/// exits 0.
@Suite("Graceful shutdown", .timeLimit(.minutes(2)))
struct GracefulShutdownTests {
    static func config(graceMilliseconds: Int, delayMilliseconds: Int) -> String {
        """
        server: {shutdown_grace_ms: \(graceMilliseconds)}
        plugins: {directory: ./plugins}
        storage: {sqlite_path: ./chats.sqlite}
        providers:
          slow: {plugin: echo, delay_ms: \(delayMilliseconds)}
        assistants:
          default: {provider: slow, model: echo-1}
        """
    }

    /// Opens `count` streams of `words` words and returns once each has its first delta (or has
    /// failed: then its task throws); each task then reads its stream until the server closes
    /// the connection, and returns all it read.
    static func openStreams(port: Int, count: Int, words: Int, group: inout ThrowingTaskGroup<(Int, String), any Error>) async throws {
        let message = (1...words).map { "w\($0)" }.joined(separator: " ")
        let (firsts, firstSink) = AsyncStream<Int>.makeStream()
        for index in 0..<count {
            group.addTask {
                // However this stream goes, the opener is not left waiting for it.
                defer { firstSink.yield(index) }
                let request = RawHTTPClient.post("/api/chat", json: #"{"message":"\#(message)","conversationId":"stream-\#(index)","stream":true}"#)
                return (index, try await RawHTTPClient.exchange(port: port, request: request) { inbound in
                    let head = try await RawHTTPClient.read(&inbound) { $0.contains("data: ") || ($0.contains("\r\n\r\n") && !$0.hasPrefix("HTTP/1.1 200")) }
                    firstSink.yield(index)
                    guard head.hasPrefix("HTTP/1.1 200") else { throw StreamRefused(index: index, head: head) }
                    // Until the server closes the connection: a stream must end by itself.
                    return try await head + RawHTTPClient.read(&inbound) { _ in false }
                })
            }
        }
        var started = Set<Int>()
        for await index in firsts {
            started.insert(index)
            if started.count == count { break }
        }
    }

    struct StreamRefused: Error, CustomStringConvertible {
        var index: Int
        var head: String
        var description: String { "stream \(index) was refused: \(head)" }
    }

    /// Runs `body`; if it fails, the server's log goes into the test's output, to say why.
    static func explained<T>(_ server: ServerProcess, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            print("server output:\n\(server.output.suffix(6000))")
            throw error
        }
    }

    @Test("20 streams past the grace period each end with a final SHUTTING_DOWN event; the process exits 0; replies are stored")
    func streamsCutAtGrace() async throws {
        // 200 words 50 ms apart: 10 s each, far past a 500 ms grace period.
        let deployment = try EchoDeployment(config: Self.config(graceMilliseconds: 500, delayMilliseconds: 50))
        let config = deployment.config
        let server = try await ServerProcess(config: config)
        let port = server.port

        let results = try await Self.explained(server) {
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                try await Self.openStreams(port: port, count: 20, words: 200, group: &group)
                let health = try await LiveHTTP.health(port: port)
                #expect(health["activeCalls"] as? Int == 20)
                server.child.signal(SIGTERM)
                var results: [Int: String] = [:]
                for try await (index, text) in group { results[index] = text }
                // Ended by the grace period, not by the 10 s streams: each ends with SHUTTING_DOWN
                // before its last word (below), with no timing assertion to fail on a loaded machine.
                return results
            }
        }
        #expect(await server.child.finished() == 0, "exit status 0, not a signal")

        #expect(results.count == 20)
        for (index, text) in results {
            let lastFrame = try #require(text.range(of: "data: ", options: .backwards), "stream \(index): \(text.suffix(200))")
            let last = text[lastFrame.lowerBound...]
            #expect(last.contains(#""code":"SHUTTING_DOWN""#), "stream \(index) ended with \(last)")
            #expect(last.contains(#""done":true"#))
            #expect(!text.contains("w200"), "stream \(index) should not have finished")
        }
        let log = await server.finalOutput()
        #expect(log.contains("shutdown grace period over: stopped 20 provider calls"))

        // Every partial reply was stored before the process exited.
        let restarted = try await ServerProcess(config: config)
        defer { restarted.kill(SIGTERM) }
        for index in [0, 7, 19] {
            let page = try await LiveHTTP.send(port: restarted.port, "GET", "/api/conversations/stream-\(index)").json()
            let messages = try #require(page["messages"] as? [[String: Any]])
            let reply = try #require(messages.last)
            #expect(reply["role"] as? String == "assistant")
            #expect((reply["content"] as? String)?.hasPrefix("w1 w2") == true)
            #expect(reply["status"] as? String == "error")
        }
    }

    @Test("streams that end within the grace period finish whole; new connections are refused meanwhile")
    func streamsFinishWithinGrace() async throws {
        // 30 words 40 ms apart: about 1.2 s each, well inside a 20 s grace period.
        let deployment = try EchoDeployment(config: Self.config(graceMilliseconds: 20_000, delayMilliseconds: 40))
        let config = deployment.config
        let server = try await ServerProcess(config: config)
        let port = server.port

        let results = try await Self.explained(server) {
          try await withThrowingTaskGroup(of: (Int, String).self) { group in
            try await Self.openStreams(port: port, count: 20, words: 30, group: &group)
            server.child.signal(SIGTERM)
            // The listener closes at once: a new connection is refused while the streams run on.
            try await LiveHTTP.eventually() {
                do {
                    _ = try await LiveHTTP.send(port: port, "GET", "/health")
                    return false
                } catch {
                    return true
                }
            }
            var results: [Int: String] = [:]
            for try await (index, text) in group { results[index] = text }
            return results
          }
        }
        #expect(await server.child.finished() == 0)
        #expect(results.count == 20)
        for (index, text) in results {
            #expect(text.contains("w30"), "stream \(index)")
            #expect(text.contains(#""finishReason":"stop""#), "stream \(index) ended with \(text.suffix(200))")
            #expect(!text.contains("SHUTTING_DOWN"))
        }
    }
}
