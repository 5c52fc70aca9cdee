import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayTestSupport
import Synchronization
import PatchbayStorage
import Testing

@testable import PatchbayServer

/// The response cache through the doors: exact hits and misses in JSON and SSE, bypass, expiry,
/// eviction at the byte cap, scopes, errors never kept, warm, clear and stats.
@Suite("Response cache: exact hits through the doors", .timeLimit(.minutes(2)))
struct ResponseCacheTests {
    static let yaml = """
        providers:
          echo: {plugin: echo}
          tight: {plugin: echo}
          scripted: {plugin: minimal-swift}
        assistants:
          default:
            provider: echo
            model: echo-1
            system_prompt: Be brief.
            cache:
              ttl: 60
              scope: global
              warm:
                greeting: ["Hello there", "Good morning"]
                help: ["How do I reset my password?"]
          tiny: {provider: tight, model: echo-1, cache: {max_bytes: 2KiB, scope: global}}
          scripted: {provider: scripted, model: minimal-1, cache: {scope: global}}
          plain: {provider: echo, model: echo-1}
        """

    /// A clock the test moves.
    final class TestClock: Sendable {
        private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
    }

    static func completion(_ client: some TestClientProtocol, _ message: String, assistant: String = "default",
                           headers: HTTPFields = [:]) async throws -> (response: TestResponse, json: [String: Any]) {
        var headers = headers
        headers[.contentType] = "application/json"
        let body = #"{"message":"\#(message)","model":"\#(assistant)","stream":false}"#
        let response = try await client.execute(uri: "/api/v1/chat/completion", method: .post, headers: headers, body: ByteBuffer(string: body))
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response, json)
    }

    /// Asks through the JSON door and expects `expected` in `X-Cache-Status`.
    static func expectStatus(_ expected: String, _ client: some TestClientProtocol, _ message: String, assistant: String = "default",
                             headers: HTTPFields = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = try await completion(client, message, assistant: assistant, headers: headers).response
        #expect(response.headers[.xCacheStatus] == expected, sourceLocation: sourceLocation)
    }

    static func streamed(_ client: some TestClientProtocol, _ message: String, assistant: String = "default") async throws -> TestResponse {
        try await client.execute(uri: "/api/chat", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"message":"\#(message)","assistantType":"\#(assistant)","stream":true}"#))
    }

    /// How many calls the provider has had, from the metrics.
    static func providerCalls(_ host: TestHost, provider: String = "echo") -> Int {
        let text = String(decoding: host.application.metrics.render(), as: UTF8.self)
        return text.split(separator: "\n")
            .filter { $0.hasPrefix("patchbay_provider_calls_total{provider=\"\(provider)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int(Double($0) ?? -1) } }
            .reduce(0, +)
    }

    static func stats(_ client: some TestClientProtocol) async throws -> [String: Any] {
        let response = try await client.execute(uri: "/api/v1/cache/stats", method: .get)
        #expect(response.status == .ok)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    @Test("JSON door: a miss calls the provider; the same question is then a hit with cached, cache_key and similarity 1")
    func exactHitJSON() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            let first = try await Self.completion(client, "What are your opening hours?")
            #expect(first.response.headers[.xCacheStatus] == "MISS")
            #expect(first.json["cached"] as? Bool == false)
            let key = try #require(first.json["cache_key"] as? String)
            #expect(key.hasPrefix("pbc_") && key.count == 36)
            #expect(first.json["similarity_score"] is NSNull)

            let second = try await Self.completion(client, "What are your opening hours?")
            #expect(second.response.headers[.xCacheStatus] == "HIT")
            #expect(second.json["cached"] as? Bool == true)
            #expect(second.json["cache_key"] as? String == key)
            #expect(second.json["similarity_score"] as? Double == 1)
            #expect(second.json["response"] as? String == first.json["response"] as? String)
            // A hit costs the provider nothing: zero tokens, and one call in all.
            let usage = try #require(second.json["usage"] as? [String: Any])
            #expect(usage["total_tokens"] as? Int == 0)
            #expect(Self.providerCalls(host) == 1)

            let other = try await Self.completion(client, "What are your closing hours?")
            #expect(other.response.headers[.xCacheStatus] == "MISS")
            #expect(other.json["cache_key"] as? String != key)
            #expect(Self.providerCalls(host) == 2)
        }
    }

    @Test("SSE door: a hit replays the same frames as the live reply; a JSON miss fills it for the stream too")
    func exactHitSSE() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            let live = try await Self.streamed(client, "tell me about the weather today")
            #expect(live.headers[.xCacheStatus] == "MISS")
            let replayed = try await Self.streamed(client, "tell me about the weather today")
            #expect(replayed.headers[.xCacheStatus] == "HIT")
            #expect(Self.providerCalls(host) == 1)
            let deltas = { (response: TestResponse) in
                String(buffer: response.body).split(separator: "\n").filter { $0.contains(#""done":false"#) }
            }
            #expect(deltas(live).count == 6)
            #expect(deltas(replayed) == deltas(live))
            #expect(String(buffer: replayed.body).contains(#""totalTokens":0"#))

            // Filled by the JSON door, answered by the streaming one.
            _ = try await Self.completion(client, "one two three")
            let hit = try await Self.streamed(client, "one two three")
            #expect(hit.headers[.xCacheStatus] == "HIT")
            #expect(Self.providerCalls(host) == 2)
        }
    }

    @Test("Cache-Control: no-cache bypasses: the provider answers and nothing is kept; an assistant without cache says BYPASS")
    func bypass() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            let bypassed = try await Self.completion(client, "fresh please", headers: [.cacheControl: "max-age=0, No-Cache"])
            #expect(bypassed.response.headers[.xCacheStatus] == "BYPASS")
            #expect(bypassed.json["cache_key"] is NSNull && bypassed.json["cached"] as? Bool == false)
            try await Self.expectStatus("MISS", client, "fresh please")
            try await Self.expectStatus("BYPASS", client, "fresh please", headers: [.cacheControl: "no-store"])
            try await Self.expectStatus("HIT", client, "fresh please")
            try await Self.expectStatus("BYPASS", client, "anything", assistant: "plain")
            try await Self.expectStatus("BYPASS", client, "anything", assistant: "plain")
            #expect(Self.providerCalls(host) == 5)
            let stats = try await Self.stats(client)
            #expect(stats["bypasses"] as? Int == 2)
        }
    }

    @Test("an entry answers until its ttl, then the provider is asked again")
    func expiry() async throws {
        let clock = TestClock()
        let host = try TestHost(yaml: Self.yaml, clock: { clock.now })
        try await host.test { client in
            try await Self.expectStatus("MISS", client, "expiring")
            clock.advance(59)
            try await Self.expectStatus("HIT", client, "expiring")
            clock.advance(2)
            try await Self.expectStatus("MISS", client, "expiring")
            try await Self.expectStatus("HIT", client, "expiring")
        }
    }

    @Test("past max_bytes the least recently used entry goes; the size stays under the cap; evictions are counted")
    func eviction() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            let words = { @Sendable (tag: String) in (0..<25).map { "\(tag)\($0)" }.joined(separator: " ") }
            let (a, b, c) = (words("a"), words("b"), words("c"))
            for message in [a, b] { try await Self.expectStatus("MISS", client, message, assistant: "tiny") }
            // a is used again, so b is the least recently used when c arrives.
            try await Self.expectStatus("HIT", client, a, assistant: "tiny")
            try await Self.expectStatus("MISS", client, c, assistant: "tiny")
            try await Self.expectStatus("HIT", client, a, assistant: "tiny")
            try await Self.expectStatus("HIT", client, c, assistant: "tiny")
            let stats = try await Self.stats(client)
            #expect(stats["evictions"] as? Int == 1)
            #expect(stats["last_eviction"] is String)
            #expect(try #require(stats["cache_size_bytes"] as? Int) <= 2048)
            #expect(stats["entries"] as? Int == 2)
            try await Self.expectStatus("MISS", client, b, assistant: "tiny")
        }
    }

    @Test("errors, before or after the first delta, are never kept")
    func errorsNeverCached() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            for message in ["error:PROVIDER_ERROR:500", "fail-after:2:PROVIDER_ERROR"] {
                for _ in 0..<2 {
                    let response = try await Self.streamed(client, message, assistant: "scripted")
                    #expect(response.headers[.xCacheStatus] ?? "MISS" == "MISS", "\(message)")
                }
            }
            let stats = try await Self.stats(client)
            #expect(stats["entries"] as? Int == 0)
            #expect(Self.providerCalls(host, provider: "scripted") == 4)
        }
    }

    @Test("stats add up: hits and misses make total_requests and hit_rate; size and entries match what was kept")
    func statsAddUp() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            let empty = try await Self.stats(client)
            #expect(empty["total_requests"] as? Int == 0 && empty["hit_rate"] as? Double == 0 && empty["last_eviction"] is NSNull)
            for message in ["one", "two", "one", "one", "three"] { _ = try await Self.completion(client, message) }
            let stats = try await Self.stats(client)
            #expect(stats["hits"] as? Int == 2)
            #expect(stats["misses"] as? Int == 3)
            #expect(stats["total_requests"] as? Int == 5)
            #expect(stats["hit_rate"] as? Double == 0.4)
            #expect(stats["entries"] as? Int == 3)
            let bytes = try #require(stats["cache_size_bytes"] as? Int)
            #expect(bytes > 0)
            #expect(stats["cache_size_human"] as? String == CacheStats.humanSize(bytes))
            let capacity = Double(64 << 20 + 2048 + 64 << 20)
            #expect(abs(try #require(stats["memory_usage_percent"] as? Double) - (Double(bytes) * 100 / capacity * 100).rounded() / 100) < 0.011)
            #expect(try #require(stats["avg_response_time_ms"] as? Double) >= 0)
            // The same figures in /metrics.
            let metrics = String(decoding: host.application.metrics.render(), as: UTF8.self)
            #expect(MetricsTests.sample(metrics, #"patchbay_cache_lookups_total{assistant="default",result="hit"}"#) == 2)
            #expect(MetricsTests.sample(metrics, #"patchbay_cache_lookups_total{assistant="default",result="miss"}"#) == 3)
            #expect(MetricsTests.sample(metrics, #"patchbay_cache_entries{assistant="default"}"#) == 3)
            #expect(MetricsTests.sample(metrics, #"patchbay_cache_bytes{assistant="default"}"#) == Double(bytes))
        }
    }

    @Test("clear by pattern removes the entries whose prompt contains it (any case); without one, everything")
    func clearByPattern() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await host.test { client in
            for message in ["What are your opening hours?", "Where is the shop?", "Opening hours on Sunday?"] {
                _ = try await Self.completion(client, message)
            }
            let cleared = try await client.execute(uri: "/api/v1/cache/clear?pattern=OPENING%20hours", method: .delete)
            #expect(cleared.status == .ok)
            #expect(String(buffer: cleared.body) == #"{"cleared":2}"#)
            try await Self.expectStatus("HIT", client, "Where is the shop?")
            try await Self.expectStatus("MISS", client, "What are your opening hours?")
            let all = try await client.execute(uri: "/api/v1/cache/clear", method: .delete)
            #expect(String(buffer: all.body) == #"{"cleared":2}"#)
            let stats = try await Self.stats(client)
            #expect(stats["entries"] as? Int == 0)
        }
    }

    @Test("a hit is stored in its conversation with zero tokens, and counted against the rate limits like any turn")
    func hitsAreTurns() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteConversationStore(path: "\(directory.path)/c.sqlite", logger: LogRecorder().logger())
        let yaml = Self.yaml.replacingOccurrences(of: "    system_prompt: Be brief.\n", with: "    system_prompt: Be brief.\n    limits: {requests_per_minute: 3}\n")
        // A pinned clock: the minute window must not roll over between the turns.
        let clock = TestClock()
        let host = try TestHost(yaml: yaml, store: store, clock: { clock.now })
        try await host.test { client in
            var ids: [String] = []
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/api/chat", method: .post, headers: [.contentType: "application/json"],
                                                        body: ByteBuffer(string: #"{"message":"hello there","assistantType":"default","stream":false}"#))
                #expect(response.status == .ok)
                ids.append(try #require(response.headers[.xConversationID]))
            }
            #expect(Self.providerCalls(host) == 1)
            let stored = try await client.execute(uri: "/api/conversations/\(ids[1])", method: .get)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: stored.body)) as? [String: Any])
            let messages = try #require(body["messages"] as? [[String: Any]])
            #expect(messages.map { $0["content"] as? String } == ["hello there", "hello there"])
            #expect(messages.last?["status"] as? String == "complete" && messages.last?["provider"] as? String == "echo")
            // Two turns counted; the third is the last the minute allows.
            #expect(try await Self.completion(client, "hello there").response.status == .ok)
            #expect(try await Self.completion(client, "hello there").response.status == .tooManyRequests)
        }
    }

    @Test("warm runs the operator's prompts in the background; their replies then answer every caller")
    func warmThenHit() async throws {
        let host = try TestHost(yaml: Self.yaml)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await host.application.cacheWarmer.run() }
            try await host.test { client in
                let response = try await client.execute(uri: "/api/v1/cache/warm", method: .post, headers: [.contentType: "application/json"],
                                                        body: ByteBuffer(string: #"{"patterns":["greeting"],"limit":5}"#))
                #expect(response.status == .accepted)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(body["queued"] as? Int == 2)
                let prompts = try #require(body["prompts"] as? [[String: String]])
                #expect(prompts.map { $0["prompt"] } == ["Hello there", "Good morning"])
                #expect(prompts.allSatisfy { $0["assistant"] == "default" && $0["pattern"] == "greeting" })
                try await withDeadline(20) {
                    while try await Self.stats(client)["entries"] as? Int != 2 { await Task.yield() }
                }
                try await Self.expectStatus("HIT", client, "Good morning")
                try await Self.expectStatus("HIT", client, "Hello there")
                #expect(Self.providerCalls(host) == 2)

                let limited = try await client.execute(uri: "/api/v1/cache/warm", method: .post, body: ByteBuffer(string: #"{"limit":1}"#))
                #expect(String(buffer: limited.body).contains(#""queued":1"#))
                let wrong = try await client.execute(uri: "/api/v1/cache/warm", method: .post, body: ByteBuffer(string: #"{"limit":"all"}"#))
                #expect(wrong.status == .badRequest)
                #expect(String(buffer: wrong.body).contains("limit"))
            }
            group.cancelAll()
        }
    }
}
