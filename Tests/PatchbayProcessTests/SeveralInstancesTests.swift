import Foundation
import PatchbayTestSupport
import Synchronization
import Testing

/// Two real `patchbay serve` instances on one PostgreSQL and one Redis, as they run behind a load
/// balancer: they count against the same limits, share the conversations, survive each other's
/// crash, and ride out Redis going away as `limits.on_store_failure` says.
@Suite("Several instances on one PostgreSQL and one Redis", .timeLimit(.minutes(3)))
struct SeveralInstancesTests {
    /// Two instances of one deployment, on a fresh database and a Redis of their own. The store's
    /// timeout is generous: under `allow`, a healthy Redis timed out by a loaded machine would let
    /// a request through uncounted. (Redis is stopped here, never stalled: its failures are at once.)
    struct Pair {
        let deployment: EchoDeployment
        let redis: RedisTestServer
        let a: ServerProcess
        let b: ServerProcess
        var ports: [Int] { [a.port, b.port] }

        init(perDay: Int = 20, onStoreFailure: String = "allow") async throws {
            let postgres = try await PostgresTestServer.shared()
            let databaseURL = postgres.url(database: try await postgres.createDatabase())
            redis = try await RedisTestServer()
            deployment = try EchoDeployment(config: """
                plugins: {directory: ./plugins}
                storage: {postgres_url: "${DATABASE_URL}"}
                providers:
                  echo: {plugin: echo}
                  slow: {plugin: echo, delay_ms: 100}
                assistants:
                  default: {provider: echo, model: echo-1}
                  slow: {provider: slow, model: echo-1}
                limits: {requests_per_day: \(perDay), store: "${REDIS_URL}", on_store_failure: \(onStoreFailure), store_timeout_ms: 10000}
                """)
            let environment = ["DATABASE_URL": databaseURL, "REDIS_URL": redis.url()]
            a = try await ServerProcess(config: deployment.config, environment: environment)
            b = try await ServerProcess(config: deployment.config, environment: environment)
        }

        /// Stops whatever still runs.
        func stop() async {
            for server in [a, b] where server.child.exitStatus == nil { server.kill(SIGTERM) }
            await redis.stop()
        }

        /// Runs `body`; if it fails, both servers' logs go into the test's output, to say why.
        func explained<T>(_ body: () async throws -> T) async throws -> T {
            do {
                return try await body()
            } catch {
                print("instance A:\n\(a.output.suffix(4000))\ninstance B:\n\(b.output.suffix(4000))")
                throw error
            }
        }
    }

    static func chat(_ port: Int, _ message: String, conversation: String? = nil, assistant: String = "default") async throws -> LiveHTTP.Reply {
        let id = conversation.map { #","conversationId":"\#($0)""# } ?? ""
        return try await LiveHTTP.send(port: port, "POST", "/api/chat", json: #"{"message":"\#(message)","assistantType":"\#(assistant)","stream":false\#(id)}"#)
    }

    static func contents(_ port: Int, conversation: String) async throws -> [String?] {
        let history = try await LiveHTTP.send(port: port, "GET", "/api/conversations/\(conversation)").json()
        return (history["messages"] as? [[String: Any]] ?? []).map { $0["content"] as? String }
    }

    @Test("50 concurrent requests split across both instances, against a limit of 20: exactly 20 pass in total")
    func limitsShared() async throws {
        let pair = try await Pair(perDay: 20)
        let ports = pair.ports
        let statuses = try await pair.explained {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask { try await Self.chat(ports[index % 2], "request \(index)").status }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
            }
        }
        #expect(statuses == [200: 20, 429: 30], "\(statuses)")
        for port in ports {
            let report = try await LiveHTTP.send(port: port, "GET", "/api/rate-limit").json()
            let windows = (report["overall"] as? [String: Any])?["windows"] as? [[String: Any]] ?? []
            #expect(windows.first { $0["window"] as? String == "day" }?["remaining"] as? Int == 0, "\(report)")
        }
        await pair.stop()
    }

    @Test("a conversation started on A continues on B; A killed mid-stream loses no acknowledged message, and B keeps serving")
    func conversationsShared() async throws {
        let pair = try await Pair()
        let (a, b) = (pair.a, pair.b)
        try await pair.explained {
            let first = try await Self.chat(a.port, "alpha")
            #expect(first.status == 200, "\(first.body)")
            let id = try #require(try first.json()["conversationId"] as? String)
            #expect(try await Self.chat(b.port, "beta", conversation: id).status == 200)
            #expect(try await Self.contents(b.port, conversation: id) == ["alpha", "alpha", "beta", "beta"])
            #expect(try await Self.contents(a.port, conversation: id) == ["alpha", "alpha", "beta", "beta"])

            // A slow reply on A (a word every 100 ms), killed once its first words have arrived: the
            // user's message was stored before the provider was called.
            let words = (1...100).map { "w\($0)" }.joined(separator: " ")
            let request = RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","conversationId":"\#(id)","stream":true}"#)
            let head = try await RawHTTPClient.exchange(port: a.port, request: request) { inbound in
                let head = try await RawHTTPClient.read(&inbound) { $0.contains("w2") || $0.contains(#""error":{"#) }
                a.kill(SIGKILL)
                return head
            }
            #expect(head.hasPrefix("HTTP/1.1 200") && head.contains("w1"), "\(head.prefix(500))")
            #expect(a.child.exitStatus == 128 + SIGKILL)

            let afterCrash = try await Self.contents(b.port, conversation: id)
            #expect(afterCrash.prefix(5) == ["alpha", "alpha", "beta", "beta", words], "\(afterCrash)")
            #expect(!afterCrash.contains("w100"), "the reply never finished")
            let next = try await Self.chat(b.port, "gamma", conversation: id)
            #expect(next.status == 200, "\(next.body)")
            #expect(try await Self.contents(b.port, conversation: id).suffix(2) == ["gamma", "gamma"])
        }
        await pair.stop()
    }

    @Test("Redis stopped mid-test: requests flow under allow, are refused with a clear 503 under deny, and limits resume when it is back",
          arguments: ["allow", "deny"])
    func redisOutage(onStoreFailure: String) async throws {
        let pair = try await Pair(perDay: 20, onStoreFailure: onStoreFailure)
        let ports = pair.ports
        try await pair.explained {
            #expect(try await Self.chat(ports[0], "counted").head.contains("X-RateLimit-Remaining: 19"))
            #expect(try await Self.chat(ports[1], "counted").head.contains("X-RateLimit-Remaining: 18"))

            await pair.redis.stop()
            for (index, port) in (ports + ports).enumerated() {
                let reply = try await Self.chat(port, "during the outage \(index)")
                if onStoreFailure == "allow" {
                    #expect(reply.status == 200, "\(reply.body)")
                    #expect(!reply.head.contains("X-RateLimit-Remaining"), "nothing was counted")
                } else {
                    #expect(reply.status == 503, "\(reply.body)")
                    let error = try reply.json()["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "LIMITS_UNAVAILABLE" && (error?["message"] as? String)?.contains("Usage limits cannot be checked") == true)
                }
            }
            for port in ports {
                let health = try await LiveHTTP.health(port: port)
                let limits = health["limits"] as? [String: Any]
                #expect(health["status"] as? String == "degraded" && limits?["reachable"] as? Bool == false, "\(health)")
            }

            try await pair.redis.start()
            // Back (empty: it saved nothing): both instances count again, against each other. Each
            // retries until its own client reconnects; a turn that was not counted shows no window.
            for (port, remaining) in [(ports[0], 19), (ports[1], 18)] {
                let counted = Mutex<String?>(nil)
                try await LiveHTTP.eventually {
                    let head = try await Self.chat(port, "back").head
                    counted.withLock { $0 = head }
                    return head.contains("X-RateLimit-Remaining: ")
                }
                #expect(counted.withLock { $0 }?.contains("X-RateLimit-Remaining: \(remaining)") == true)
            }
        }
        await pair.stop()
        for server in [pair.a, pair.b] {
            let log = await server.finalOutput()
            #expect(log.components(separatedBy: "rate limit store unreachable").count - 1 == 1, "logged once per outage")
            #expect(log.contains("rate limit store answers again"))
        }
    }
}
