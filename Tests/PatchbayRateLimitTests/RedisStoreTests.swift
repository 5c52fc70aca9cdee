import Foundation
import Logging
import PatchbayRedis
import PatchbayTestSupport
import SeededRandom
import Testing

@testable import PatchbayRateLimit

/// What only the Redis store has: keys that expire by themselves, counters shared by several
/// instances, and a server that goes away. The behaviour it shares with the in-process store is
/// tested against both by the other suites.
@Suite("Redis store", .timeLimit(.minutes(2)))
struct RedisStoreTests {
    static func client(_ server: RedisTestServer, timeout: Duration = .seconds(10)) -> RedisClient {
        RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, timeout: timeout), logger: Logger(label: "rate-limit-tests"))
    }

    static func milliseconds(toLive key: String, _ store: RedisRateLimitStore) async throws -> Int64 {
        try await store.client.send(["PTTL", store.keyPrefix + key]).intValue ?? -3
    }

    @Test("each key expires by itself once its counters mean nothing, plus the slack; one that holds nothing is not kept")
    func keysExpire() async throws {
        let server = try await RedisTestServer.shared()
        let client = Self.client(server)
        let store = RedisRateLimitStore(client: client, keyPrefix: "test:\(UUID().uuidString):")
        _ = try await store.acquire(key: "minute", policy: RateLimitPolicy(requestsPerMinute: 5), now: at(10))
        // 50 s to the minute's end, and 2 s of slack; only counting down since.
        #expect((1...52_000).contains(try await Self.milliseconds(toLive: "minute", store)))
        _ = try await store.acquire(key: "day", policy: RateLimitPolicy(requestsPerMinute: 5, requestsPerDay: 5), now: at(10))
        #expect((52_001...86_392_000).contains(try await Self.milliseconds(toLive: "day", store)))
        try await store.record(tokens: 7, key: "tokens", now: at(86_000))
        #expect((1...402_000).contains(try await Self.milliseconds(toLive: "tokens", store)))
        // A burst of 60 a minute refills the one request taken in 1 s.
        _ = try await store.acquire(key: "burst", policy: RateLimitPolicy(burst: 60), now: at(0))
        #expect((1...3_000).contains(try await Self.milliseconds(toLive: "burst", store)))

        // Refused before anything was counted: nothing to remember, so no key (-2: none).
        #expect(try await !store.acquire(key: "refused", policy: RateLimitPolicy(requestsPerMinute: 0), now: at(0)).allowed)
        #expect(try await Self.milliseconds(toLive: "refused", store) == -2)
        await client.close()
    }

    @Test("two instances on one Redis: 50 concurrent requests split across both, against a limit of 20, pass exactly 20 times")
    func instancesShareLimits() async throws {
        let server = try await RedisTestServer.shared()
        let prefix = "test:\(UUID().uuidString):"
        let clients = [Self.client(server), Self.client(server)]
        let stores = clients.map { RedisRateLimitStore(client: $0, keyPrefix: prefix) }
        let policy = RateLimitPolicy(requestsPerDay: 20, burst: 100)
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask { try await stores[index % 2].acquire(key: "shared", policy: policy, now: at(5)).allowed }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 20)
        #expect(try await stores[1].status(key: "shared", policy: policy, now: at(5))[.burst]?.remaining == 80)
        for client in clients { await client.close() }
    }

    @Test("a Redis that went away fails calls within the timeout; counting resumes, from nothing, once it is back")
    func serverGoesAway() async throws {
        let server = try await RedisTestServer()
        let client = Self.client(server)
        let store = RedisRateLimitStore(client: client)
        let policy = RateLimitPolicy(requestsPerHour: 2)
        #expect(try await acquire(store, 3, policy: policy, now: at(0)) == 2)
        await server.stop()
        for _ in 0..<3 {
            await #expect(throws: RedisError.self) { try await withDeadline(10) { try await store.acquire(key: "k", policy: policy, now: at(1)) } }
        }
        await #expect(throws: RedisError.self) { try await store.ping() }
        try await server.start()
        try await withDeadline {
            while (try? await store.ping()) == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        // The restarted server saved nothing: the hour starts over.
        #expect(try await acquire(store, 3, policy: policy, now: at(2)) == 2)
        await client.close()
        await server.stop()
    }

    /// Random calls on keys that each keep one policy (as callers do between reloads), the clock
    /// only moving forward. (A policy that changes under a key, or a clock stepped back past a
    /// window the in-process store has already swept away, can tell the stores apart: the
    /// in-process store forgets expired keys lazily, Redis as soon as it writes them. Both cases
    /// have tests of their own against both stores.)
    @Test("the same decisions as the in-process store, call for call, over random calls, clocks and policies", arguments: [UInt64(1), 2, 3])
    func sameAsInProcess(seed: UInt64) async throws {
        let redis = try await StoreKind.redis.makeStore()
        let memory = InProcessRateLimitStore()
        var random = SeededGenerator(seed: 0xB0_7E_5EED + seed)
        let checks = [
            RateLimitCheck(key: "a", policy: RateLimitPolicy(requestsPerMinute: 3)),
            RateLimitCheck(key: "b", policy: RateLimitPolicy(requestsPerHour: 5, burst: 2)),
            RateLimitCheck(key: "c", policy: RateLimitPolicy(burst: 1)),
            RateLimitCheck(key: "d", policy: RateLimitPolicy(requestsPerDay: 4, tokensPerDay: 100)),
            RateLimitCheck(key: "e", policy: RateLimitPolicy(requestsPerMinute: 2, requestsPerHour: 3, requestsPerDay: 10, tokensPerDay: 50, burst: 3)),
            RateLimitCheck(key: "assistant:1:x|a", policy: RateLimitPolicy(requestsPerMinute: 7, burst: 4)),
            RateLimitCheck(key: "zero", policy: RateLimitPolicy(requestsPerMinute: 0)),
            RateLimitCheck(key: "tokens", policy: RateLimitPolicy(tokensPerDay: 30)),
        ]
        let steps: [TimeInterval] = [0, 0, 0.000_001, 0.25, 1, 7, 8.571_429, 30, 61, 3_599, 86_399]
        var now = 0.0
        for call in 0..<600 {
            now += steps.randomElement(using: &random)!
            let date = at(now)
            let check = checks.randomElement(using: &random)!
            switch random.next() % 5 {
            case 0, 1:
                let (a, b) = (try await redis.acquire(key: check.key, policy: check.policy, now: date),
                              memory.acquire(key: check.key, policy: check.policy, now: date))
                #expect(a == b, "call \(call): acquire \(check) at \(now)")
            case 2:
                let both = [check, checks.randomElement(using: &random)!]
                let (a, b) = (try await redis.acquire(both, now: date), memory.acquire(both, now: date))
                #expect(a == b, "call \(call): acquire \(both) at \(now)")
            case 3:
                let (a, b) = (try await redis.status(key: check.key, policy: check.policy, now: date),
                              memory.status(key: check.key, policy: check.policy, now: date))
                #expect(a == b, "call \(call): status \(check) at \(now)")
            default:
                let tokens = Int(random.next() % 60)
                try await redis.record(tokens: tokens, key: check.key, now: date)
                memory.record(tokens: tokens, key: check.key, now: date)
            }
        }
    }
}
