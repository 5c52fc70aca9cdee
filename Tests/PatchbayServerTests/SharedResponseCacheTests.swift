import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// The response cache with `limits.store` set: two hosts on one real `redis-server` (each test
/// starts its own) share their exact entries, and a Redis that goes away fails no turn.
@Suite("Response cache shared in Redis, through two hosts", .timeLimit(.minutes(2)))
struct SharedResponseCacheTests {
    /// A host whose `default` assistant caches (`scope: global`), with `limits.store` on `server`,
    /// opened as `patchbay serve` opens it. A generous timeout: a loaded run must not time a
    /// healthy Redis out.
    static func host(_ server: RedisTestServer, recorder: LogRecorder) async throws -> TestHost {
        let yaml = """
            providers:
              echo: {plugin: echo}
            assistants:
              default: {provider: echo, model: echo-1, cache: {scope: global}}
            limits: {store: "${REDIS_URL}", store_timeout_ms: 10000}
            """
        let routes = try TestHost.routes(yaml: yaml, environment: ["REDIS_URL": server.url()], logger: recorder.logger())
        let store = await PatchbayLauncher.openLimitStore(routes.configuration.limitStore, logger: recorder.logger())
        return TestHost(routes: routes, rateLimitStore: store, logger: recorder.logger())
    }

    static func metric(_ host: TestHost, _ series: String) -> Double? {
        MetricsTests.sample(String(decoding: host.application.metrics.render(), as: UTF8.self), series)
    }

    static func ask(_ client: some TestClientProtocol, _ message: String) async throws -> (status: String?, json: [String: Any]) {
        let (response, json) = try await ResponseCacheTests.completion(client, message)
        #expect(response.status == .ok)
        return (response.headers[.xCacheStatus], json)
    }

    @Test("host A misses and fills, host B hits (HIT, cached: true) without its provider; a clear on B makes A miss")
    func sharedBetweenHosts() async throws {
        let server = try await RedisTestServer()
        let a = try await Self.host(server, recorder: LogRecorder())
        let b = try await Self.host(server, recorder: LogRecorder())
        try await a.test { clientA in
            try await b.test { clientB in
                let first = try await Self.ask(clientA, "What are your opening hours?")
                #expect(first.status == "MISS" && first.json["cached"] as? Bool == false)
                let second = try await Self.ask(clientB, "What are your opening hours?")
                #expect(second.status == "HIT" && second.json["cached"] as? Bool == true)
                #expect(second.json["cache_key"] as? String == first.json["cache_key"] as? String)
                #expect(second.json["response"] as? String == first.json["response"] as? String)
                #expect(ResponseCacheTests.providerCalls(b) == 0, "B answered from A's entry")

                // B's figures are Redis's: A's entry, though B stored nothing.
                let stats = try await ResponseCacheTests.stats(clientB)
                #expect(stats["entries"] as? Int == 1 && stats["hits"] as? Int == 1 && stats["misses"] as? Int == 0)
                #expect((stats["cache_size_bytes"] as? Int ?? 0) > 0)

                let cleared = try await clientB.execute(uri: "/api/v1/cache/clear?pattern=OPENING", method: .delete)
                #expect(String(buffer: cleared.body) == #"{"cleared":1}"#)
                let again = try await Self.ask(clientA, "What are your opening hours?")
                #expect(again.status == "MISS", "A's own copy does not answer while Redis does")
                #expect(ResponseCacheTests.providerCalls(a) == 2)
                #expect(try await Self.ask(clientB, "What are your opening hours?").status == "HIT")
            }
        }
        #expect(Self.metric(a, #"patchbay_cache_store_failures_total{operation="reply"}"#) == nil)
        await server.stop()
    }

    @Test("Redis stopped: turns still answer (MISS, then HIT from this instance's copy); the outage is logged once and counted; sharing resumes when it is back")
    func outage() async throws {
        let server = try await RedisTestServer()
        let recorderA = LogRecorder()
        let a = try await Self.host(server, recorder: recorderA)
        let b = try await Self.host(server, recorder: LogRecorder())
        try await a.test { clientA in
            try await b.test { clientB in
                #expect(try await Self.ask(clientA, "Warm-up").status == "MISS")
                await server.stop()
                #expect(try await Self.ask(clientA, "Do you ship abroad?").status == "MISS")
                #expect(try await Self.ask(clientA, "Do you ship abroad?").status == "HIT")
                let stats = try await ResponseCacheTests.stats(clientA)
                #expect(stats["entries"] as? Int == 2, "this instance's own entries while Redis is away")

                let outage = recorderA.lines.filter { $0.message.hasPrefix("response cache store unreachable") }
                #expect(outage.count == 1 && outage.first?.level == .error, "logged once per outage: \(outage.map(\.message))")
                // One failed lookup per question (the operator scope then reads the local copy), one failed store, one usage.
                #expect(Self.metric(a, #"patchbay_cache_store_failures_total{operation="reply"}"#) == 2)
                #expect(Self.metric(a, #"patchbay_cache_store_failures_total{operation="store"}"#) == 1)
                #expect(Self.metric(a, #"patchbay_cache_store_failures_total{operation="usage"}"#) == 1)
                #expect(Self.metric(a, "patchbay_cache_store_reachable") == 0)

                try await server.start()
                try await LiveHTTP.eventually {
                    _ = try await ResponseCacheTests.stats(clientA)
                    return recorderA.lines.contains { $0.message.hasPrefix("response cache store answers again") }
                }
                #expect(try await Self.ask(clientA, "Do you ship to Norway?").status == "MISS")
                #expect(try await Self.ask(clientB, "Do you ship to Norway?").status == "HIT", "shared again")
                let recovered = recorderA.lines.filter { $0.message.hasPrefix("response cache store answers again") }
                #expect(recovered.count == 1 && recovered.first?.level == .notice)
                #expect(Self.metric(a, "patchbay_cache_store_reachable") == 1)
                #expect(recorderA.lines.filter { $0.message.hasPrefix("response cache store unreachable") }.count == 1)
            }
        }
        await server.stop()
    }
}
