import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PatchbayConfig
import PatchbayRateLimit
import PatchbayTestSupport
import Testing

@testable import PatchbayServer

/// A host whose rate limits come from YAML, on a clock pinned to 12:00:30 UTC so that no window
/// boundary falls inside a test.
struct RateLimitedHost {
    static let now = Date(timeIntervalSince1970: 1_795_348_830)  // 2026-11-22T12:00:30Z
    static let endOfMinute = 1_795_348_860
    static let endOfDay = 1_795_392_000  // 2026-11-23T00:00:00Z

    let host: TestHost

    /// The limiter the host counts with.
    var limiter: RateLimiter { host.application.limiter }

    /// - Parameters:
    ///   - yaml: top-level sections to add to the test host's.
    ///   - assistants: more entries of its `assistants:` mapping, one per line.
    init(_ yaml: String, assistants: [String] = [], environment: [String: String] = [:]) throws {
        let text = TestHost.yaml + assistants.map { "\n  " + $0 }.joined() + "\n" + yaml
        host = try TestHost(yaml: text, environment: environment, clock: { Self.now })
    }

    /// The host in memory (every caller has the same, unknown, address).
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await host.test(body)
    }

    /// The host on a loopback port.
    func live<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        try await host.live(body)
    }
}

extension TestClientProtocol {
    func chat(assistant: String = "default", message: String = "hi", stream: Bool = false, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: "/api/chat", method: .post, headers: headers,
                          body: ByteBuffer(string: #"{"message":"\#(message)","assistantType":"\#(assistant)","stream":\#(stream)}"#))
    }
}

/// One raw request's status code, over its own connection.
func rawStatus(port: Int, request: String) async throws -> Int {
    let text = try await RawHTTPClient.exchange(port: port, request: request) { inbound in
        try await RawHTTPClient.read(&inbound) { $0.contains(#""done":true"#) || $0.contains(#""error":{"#) }
    }
    let statusLine = text.prefix { $0 != "\r" }
    return Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? -1
}

@Suite("Rate limits through the real host", .timeLimit(.minutes(2)))
struct RateLimitTests {
    @Test("the Nth request passes and the next is refused: 429 RATE_LIMITED with Retry-After; headers count down")
    func limitHitExactly() async throws {
        let host = try RateLimitedHost("limits: {requests_per_minute: 3}")
        try await host.test { client in
            for remaining in [2, 1, 0] {
                let response = try await client.chat()
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(remaining))
                #expect(response.headers[HTTPField.Name("X-RateLimit-Reset")!] == String(RateLimitedHost.endOfMinute))
                #expect(response.headers[.retryAfter] == nil)
            }
            let refused = try await client.chat()
            #expect(refused.status == .tooManyRequests)
            #expect(String(buffer: refused.body) == #"{"error":{"message":"Too many requests. Please try again in 30 seconds.","code":"RATE_LIMITED"}}"#)
            #expect(refused.headers[.retryAfter] == "30")
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Reset")!] == String(RateLimitedHost.endOfMinute))
            #expect(refused.headers[.xRequestID] != nil)
        }
    }

    @Test("every response carries the headers, and only chat turns are counted")
    func headersEverywhere() async throws {
        let host = try RateLimitedHost("limits: {requests_per_minute: 5}")
        try await host.test { client in
            for (uri, method) in [("/health", HTTPRequest.Method.get), ("/api/assistants", .get), ("/api/rate-limit", .get),
                                  ("/api/nothing-here", .get), ("/api/conversations/unknown", .get)] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "5", "\(uri)")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "5", "\(uri): looking is free")
            }
            // A refused request (bad JSON, unknown assistant) spends nothing either.
            let bad = try await client.execute(uri: "/api/chat", method: .post, body: ByteBuffer(string: "{"))
            #expect(bad.status == .badRequest)
            #expect(bad.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "5")
            let unknown = try await client.chat(assistant: "nobody")
            #expect(unknown.status == .notFound, "\(String(buffer: unknown.body))")
            #expect(unknown.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "5")
            let turn = try await client.chat()
            #expect(turn.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "4")
        }
    }

    @Test("without limits no header is sent")
    func noLimitsNoHeaders() async throws {
        let host = try RateLimitedHost("")
        try await host.test { client in
            let response = try await client.chat()
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil)
        }
    }

    @Test("exactly N of 50 concurrent requests from one caller pass")
    func exactUnderConcurrencyOneCaller() async throws {
        let host = try RateLimitedHost("limits: {requests_per_minute: 20}")
        try await host.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 { group.addTask { try await client.chat().status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 20)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 30)
        }
    }

    @Test("50 callers behind a trusted proxy, 8 concurrent requests each: exactly N pass for every caller")
    func exactUnderConcurrencyManyCallers() async throws {
        let host = try RateLimitedHost("""
            server: {trusted_proxies: [127.0.0.1/32]}
            limits: {requests_per_minute: 5}
            """)
        let results = try await host.live { port in
            try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for caller in 0..<50 {
                    for _ in 0..<8 {
                        group.addTask {
                            let request = RawHTTPClient.post("/api/chat", json: #"{"message":"hi","assistantType":"default","stream":false}"#,
                                                             headers: ["X-Forwarded-For": "198.51.100.\(caller)"])
                            return (caller, try await rawStatus(port: port, request: request))
                        }
                    }
                }
                return try await group.reduce(into: [Int: [Int]]()) { $0[$1.0, default: []].append($1.1) }
            }
        }
        #expect(results.count == 50)
        for (caller, statuses) in results {
            #expect(statuses.filter { $0 == 200 }.count == 5, "caller \(caller): \(statuses)")
            #expect(statuses.filter { $0 == 429 }.count == 3, "caller \(caller): \(statuses)")
        }
    }

    @Test("X-Forwarded-For counts only from a trusted proxy; the nearest untrusted hop is the caller")
    func forwardedFor() async throws {
        let trusted = try RateLimitedHost("server: {trusted_proxies: [127.0.0.1/32, 10.0.0.0/8]}\nlimits: {requests_per_day: 9}")
        let untrusted = try RateLimitedHost("limits: {requests_per_day: 9}")
        let request = "GET /api/rate-limit HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-For: 203.0.113.7, 10.1.2.3\r\nConnection: close\r\n\r\n"
        let viaProxy = try await trusted.live { port in
            try await RawHTTPClient.exchange(port: port, request: request) { try await RawHTTPClient.read(&$0) { $0.hasSuffix("}") } }
        }
        #expect(viaProxy.contains(#""caller":{"id":"203.0.113.7","kind":"address"}"#), "\(viaProxy)")
        let direct = try await untrusted.live { port in
            try await RawHTTPClient.exchange(port: port, request: request) { try await RawHTTPClient.read(&$0) { $0.hasSuffix("}") } }
        }
        #expect(direct.contains(#""caller":{"id":"127.0.0.1","kind":"address"}"#), "\(direct)")
    }

    @Test("the daily token budget is spent by real usage: refused once the recorded tokens reach it")
    func tokenBudget() async throws {
        let host = try RateLimitedHost("limits: {tokens_per_day: 20}")
        try await host.test { client in
            var spent = 0
            var turns = 0
            while turns < 20 {
                let response = try await client.chat(message: "one two three four")
                if response.status == .tooManyRequests {
                    #expect(spent >= 20, "refused only once the budget is reached")
                    #expect(response.headers[.retryAfter] == String(RateLimitedHost.endOfDay - 1_795_348_830))
                    break
                }
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let usage = try #require(body?["usage"] as? [String: Any])
                let tokens = try #require(usage["totalTokens"] as? Int)
                #expect(tokens > 0)
                #expect(spent < 20, "a turn passed although \(spent) tokens were already spent")
                spent += tokens
                turns += 1
            }
            #expect(turns >= 1 && turns < 20, "the budget ran out after \(turns) turns")
            let report = try await client.execute(uri: "/api/rate-limit", method: .get)
            let text = String(buffer: report.body)
            #expect(text.contains(#""remaining":0,"reset":\#(RateLimitedHost.endOfDay),"retryAfterSeconds":43170,"window":"tokens_day""#), "\(text)")
            // Streaming turns are counted too: the budget refuses them as well.
            let stream = try await client.chat(stream: true)
            #expect(stream.status == .tooManyRequests)
        }
    }

    @Test("an assistant's limits apply per caller on that assistant alone; a key's limits override the global ones")
    func scopes() async throws {
        let host = try RateLimitedHost("""
            auth:
              enabled: true
              keys:
                - id: tight
                  key_env: TIGHT_KEY
                  limits: {requests_per_minute: 1}
                - id: roomy
                  key_env: ROOMY_KEY
            limits: {requests_per_minute: 10}
            """, assistants: ["limited: {provider: echo, model: echo-1, limits: {requests_per_minute: 2}}"], environment: ["TIGHT_KEY": "k-tight", "ROOMY_KEY": "k-roomy"])
        try await host.test { client in
            let roomy: HTTPFields = [.authorization: "Bearer k-roomy"]
            let first = try await client.chat(assistant: "limited", headers: roomy)
            #expect(first.status == .ok)
            // The assistant's window is the tighter one, so it is the one the headers show.
            #expect(first.headers[HTTPField.Name("X-RateLimit-Limit")!] == "2")
            #expect(first.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "1")
            #expect(try await client.chat(assistant: "limited", headers: roomy).status == .ok)
            let third = try await client.chat(assistant: "limited", headers: roomy)
            #expect(third.status == .tooManyRequests)
            // Other assistants still answer: the caller has 10 a minute overall, 2 of them spent.
            let other = try await client.chat(assistant: "default", headers: roomy)
            #expect(other.status == .ok)
            #expect(other.headers[HTTPField.Name("X-RateLimit-Limit")!] == "10")
            #expect(other.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "7")

            let tight: HTTPFields = [.xAPIKey: "k-tight"]
            #expect(try await client.chat(headers: tight).status == .ok)
            let refused = try await client.chat(headers: tight)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[HTTPField.Name("X-RateLimit-Limit")!] == "1")

            let report = try await client.execute(uri: "/api/rate-limit", method: .get, headers: roomy)
            let text = String(buffer: report.body)
            #expect(text.contains(#""caller":{"id":"roomy","kind":"key"}"#))
            #expect(text.contains(#""assistants":[{"allowed":false,"assistantType":"limited","limits":{"requestsPerMinute":2},"windows":[{"limit":2,"remaining":0,"reset":\#(RateLimitedHost.endOfMinute),"retryAfterSeconds":30,"window":"minute"}]}]"#), "\(text)")
            #expect(text.contains(#""overall":{"allowed":true,"limits":{"requestsPerMinute":10},"windows":[{"limit":10,"remaining":7,"reset":\#(RateLimitedHost.endOfMinute),"window":"minute"}]}"#), "\(text)")
        }
    }

    @Test("a caller may hold max_streams_per_caller streams at once; the next gets 429 until one ends")
    func streamCap() async throws {
        let host = try RateLimitedHost("server: {max_streams_per_caller: 2}")
        let words = (1...200).map { "w\($0)" }.joined(separator: " ")
        try await host.live { port in
            let limiter = host.limiter
            // Two streams that take seconds (20 ms a word), each read only as far as its first delta.
            try await withThrowingTaskGroup(of: Void.self) { group in
                let open = ArrivalBarrier(count: 2)
                let release = ArrivalBarrier(count: 1)
                for _ in 0..<2 {
                    group.addTask {
                        _ = try await RawHTTPClient.exchange(port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"\#(words)","assistantType":"slow","stream":true}"#)) { inbound in
                            _ = try await RawHTTPClient.read(&inbound) { $0.contains(#""done":false"#) }
                            open.arrive()
                            await release.wait()
                        }
                    }
                }
                await open.wait()
                #expect(limiter.streams.count(for: "addr:127.0.0.1") == 2)
                let refused = try await RawHTTPClient.exchange(port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"third","assistantType":"default","stream":true}"#)) {
                    try await RawHTTPClient.read(&$0) { $0.hasSuffix("}") }
                }
                #expect(refused.hasPrefix("HTTP/1.1 429"))
                #expect(refused.lowercased().contains("retry-after: 1\r\n"))
                #expect(refused.contains(#""code":"RATE_LIMITED""#))
                // A non-streamed turn is not a stream: it still passes.
                let plain = try await rawStatus(port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"plain","assistantType":"default","stream":false}"#))
                #expect(plain == 200)
                release.arrive()
                try await group.waitForAll()
            }
            // Both clients went away: their slots come back (the writer notices the closed connection).
            try await withDeadline(10) {
                while limiter.streams.count(for: "addr:127.0.0.1") > 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            let again = try await rawStatus(port: port, request: RawHTTPClient.post("/api/chat", json: #"{"message":"again","assistantType":"default"}"#))
            #expect(again == 200)
        }
    }
}
