import Foundation
import Logging
import PatchbayRedis
import PatchbayTestSupport
import Testing

/// The client against a real `redis-server` the tests start: the shared one (each test under keys
/// of its own) or, for a test that stops, pauses or resets its server, one of its own.
///
/// Timeouts are generous (the whole test run loads the machine, and a call that merely waits for
/// a busy CPU must not fail), except where a stalled server has to make one expire.
@Suite("Redis client", .timeLimit(.minutes(2)))
struct RedisClientTests {
    static func client(_ server: RedisTestServer, database: Int = 0, password: String? = nil, timeout: Duration = .seconds(10),
                       logger: Logger = Logger(label: "redis-test")) -> RedisClient {
        RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, password: password ?? server.password, database: database,
                                         timeout: timeout),
                    logger: logger)
    }

    static func uniqueKey() -> String { "test:" + UUID().uuidString }

    @Test("commands and their replies: status, bulk (binary-safe), integer, null, array, and error replies thrown")
    func roundTrip() async throws {
        let client = Self.client(try await RedisTestServer.shared())
        let key = Self.uniqueKey()
        #expect(try await client.send(["SET", key, "a\r\nb é"]) == .simpleString("OK"))
        #expect(try await client.send(["GET", key]).stringValue == "a\r\nb é")
        #expect(try await client.send(["GET", key + ":missing"]) == .null)
        #expect(try await client.send(["INCRBY", key + ":n", "41"]).intValue == 41)
        #expect(try await client.send(["MGET", key + ":n", key + ":missing"]) == .array([.bulkString(Array("41".utf8)), .null]))
        await #expect {
            try await client.send(["INCR", key])
        } throws: { error in
            let error = error as? RedisError
            return error?.code == .server && error?.serverErrorPrefix == "ERR" && error?.message.contains("not an integer") == true
        }
        await client.close()
    }

    @Test("a thousand concurrent commands on pipelined connections each get their own reply")
    func pipelining() async throws {
        let client = Self.client(try await RedisTestServer.shared())
        let key = Self.uniqueKey()
        let replies = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<1_000 {
                group.addTask { try await client.send(["INCR", key]).intValue ?? -1 }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(replies.sorted() == Array(1...1_000))
        await client.close()
    }

    @Test("AUTH and SELECT come from the configuration; a wrong password fails with Redis's words, never the password")
    func signInAndSelect() async throws {
        let server = try await RedisTestServer(password: "s3cret-Pa55")
        let three = Self.client(server, database: 3)
        let zero = Self.client(server, database: 0)
        let key = Self.uniqueKey()
        try await three.send(["SET", key, "in three"])
        #expect(try await three.send(["GET", key]).stringValue == "in three")
        #expect(try await zero.send(["GET", key]) == .null)

        let logs = LogRecorder()
        let wrong = Self.client(server, password: "not-the-Pa55word", logger: logs.logger())
        let error = await #expect(throws: RedisError.self) { try await wrong.send(["PING"]) }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("WRONGPASS") == true, "\(String(describing: error))")
        #expect(error?.description.contains("not-the-Pa55word") == false)
        #expect(!logs.lines.contains { $0.rendered.contains("Pa55") })
        for client in [three, zero, wrong] { await client.close() }
        await server.stop()
    }

    @Test("EVALSHA first; the source only when the server does not know the script (NOSCRIPT)")
    func scripts() async throws {
        let server = try await RedisTestServer()
        let client = Self.client(server)
        let script = RedisScript("return {KEYS[1], ARGV[1] + 1}")
        func calls() async throws -> (evalsha: Int, eval: Int) {
            let info = try await client.send(["INFO", "commandstats"]).stringValue ?? ""
            func count(_ command: String) -> Int {
                guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_\(command):") }),
                      let calls = line.split(separator: ",").first?.split(separator: "=").last else { return 0 }
                return Int(calls) ?? 0
            }
            return (count("evalsha"), count("eval"))
        }
        #expect(try await client.evaluate(script, keys: ["k"], arguments: ["41"]) == .array([.bulkString(Array("k".utf8)), .integer(42)]))
        #expect(try await calls() == (1, 1))  // EVALSHA answered NOSCRIPT, then EVAL
        _ = try await client.evaluate(script, keys: ["k"], arguments: ["1"])
        #expect(try await calls() == (2, 1))  // known now: EVALSHA alone
        try await client.send(["SCRIPT", "FLUSH"])
        _ = try await client.evaluate(script, keys: ["k"], arguments: ["1"])
        #expect(try await calls() == (3, 2))
        await client.close()
        await server.stop()
    }

    @Test("after the server went away, calls fail at once, and succeed again once it is back")
    func reconnects() async throws {
        let server = try await RedisTestServer()
        let client = Self.client(server)
        try await client.send(["SET", "k", "before"])
        await server.stop()
        let error = await #expect(throws: RedisError.self) { try await client.send(["GET", "k"]) }
        #expect(error?.code == .connectionClosed || error?.code == .unavailable, "\(String(describing: error))")
        // Refused connections fail the calls, each within the timeout, until the server is back.
        let down = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(down?.code == .unavailable)
        #expect(down?.description.contains("redis://127.0.0.1:\(server.port)/0") == true, "\(String(describing: down))")

        try await server.start()
        try await withDeadline {
            while (try? await client.send(["PING"])) == nil {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        // An empty server: nothing was saved.
        #expect(try await client.send(["GET", "k"]) == .null)
        await client.close()
        await server.stop()
    }

    @Test("a stalled server fails calls at the timeout, then at once for a moment, and answers again when it resumes")
    func stalledServer() async throws {
        let server = try await RedisTestServer()
        // 5 s: a healthy server answers well within it while the whole suite loads both cores.
        let client = Self.client(server, timeout: .seconds(5))
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        server.pause()
        // Bounded: neither call may hang, whatever the server does.
        let first = try await withDeadline(20) { await Self.failure(of: client, ["PING"]) }
        #expect(first?.code == .timedOut)
        let next = try await withDeadline(20) { await Self.failure(of: client, ["PING"]) }
        #expect(next?.code == .unavailable || next?.code == .timedOut, "\(String(describing: next))")
        server.resume()
        try await withDeadline {
            while (try? await client.send(["PING"])) == nil {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        await client.close()
        await server.stop()
    }

    @Test("a closed client fails every call")
    func closed() async throws {
        let client = Self.client(try await RedisTestServer.shared())
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        await client.close()
        let error = await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(error?.code == .clientClosed)
    }

    static func failure(of client: RedisClient, _ command: [String]) async -> RedisError? {
        do {
            try await client.send(command)
            return nil
        } catch {
            return error
        }
    }
}
