import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("Keys and memory")
struct EvictionTests {
    @Test("keys are counted separately", arguments: StoreKind.allCases)
    func keysIsolated(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 2, tokensPerDay: 100)
        #expect(try await acquire(store, 5, key: "a", policy: policy, now: at(0)) == 2)
        try await store.record(tokens: 500, key: "a", now: at(0))
        let b = try await store.acquire(key: "b", policy: policy, now: at(0))
        #expect(b.allowed)
        #expect(b[.minute]?.remaining == 1)
        #expect(b[.tokensDay]?.remaining == 100)
        #expect(try await !store.acquire(key: "a", policy: policy, now: at(0)).allowed)
    }

    @Test("beyond maxKeys, the least recently used key is evicted")
    func evictsLeastRecentlyUsed() {
        let store = InProcessRateLimitStore(maxKeys: 3)
        let policy = RateLimitPolicy(requestsPerDay: 5)
        for key in ["a", "b", "c"] {
            _ = store.acquire(key: key, policy: policy, now: at(0))
        }
        _ = store.acquire(key: "a", policy: policy, now: at(1))
        store.record(tokens: 1, key: "c", now: at(2))
        #expect(store.keysByRecentUse == ["c", "a", "b"])

        _ = store.acquire(key: "d", policy: policy, now: at(3))
        #expect(store.keyCount == 3)
        #expect(store.keysByRecentUse == ["d", "c", "a"])
        // b was forgotten; a kept its two requests.
        #expect(store.status(key: "b", policy: policy, now: at(3))[.day]?.remaining == 5)
        #expect(store.status(key: "a", policy: policy, now: at(3))[.day]?.remaining == 3)
    }

    @Test("a caller rotating through 10 000 addresses holds at most maxKeys keys")
    func rotatingAddressesAreCapped() {
        let store = InProcessRateLimitStore(maxKeys: 100)
        let policy = RateLimitPolicy(requestsPerDay: 1_000)
        for index in 0..<10_000 {
            #expect(store.acquire(key: "addr:10.0.\(index / 256).\(index % 256)", policy: policy, now: at(Double(index) / 100)).allowed)
        }
        #expect(store.keyCount == 100)
        #expect(store.keysByRecentUse.first == "addr:10.0.39.15")
        #expect(store.keysByRecentUse.last == "addr:10.0.38.172")
    }

    @Test("expired keys are swept lazily, at most once a minute")
    func lazyExpiry() {
        let store = InProcessRateLimitStore()
        let minuteOnly = RateLimitPolicy(requestsPerMinute: 5)
        let daily = RateLimitPolicy(requestsPerDay: 5)
        for index in 0..<50 {
            _ = store.acquire(key: "m\(index)", policy: minuteOnly, now: at(10))
        }
        _ = store.acquire(key: "d", policy: daily, now: at(10))
        #expect(store.keyCount == 51)

        // The minute windows have ended, but the next sweep is not due until 00:01:10.
        _ = store.acquire(key: "x", policy: minuteOnly, now: at(65))
        #expect(store.keyCount == 52)

        _ = store.acquire(key: "x", policy: minuteOnly, now: at(70))
        #expect(Set(store.keysByRecentUse) == ["x", "d"])
    }

    @Test("removeExpired drops keys with nothing left to remember, and only those")
    func removeExpired() {
        let store = InProcessRateLimitStore()
        _ = store.acquire(key: "burst", policy: RateLimitPolicy(burst: 60), now: at(0))
        _ = store.acquire(key: "hour", policy: RateLimitPolicy(requestsPerHour: 3), now: at(0))
        store.record(tokens: 10, key: "tokens", now: at(0))
        _ = store.acquire(key: "refused", policy: RateLimitPolicy(requestsPerMinute: 0), now: at(0))

        #expect(store.removeExpired(now: at(0)) == 1)  // nothing was counted for "refused"
        #expect(store.removeExpired(now: at(0.5)) == 0)
        #expect(store.removeExpired(now: at(1)) == 1)  // the bucket is full again
        #expect(store.removeExpired(now: at(3_600)) == 1)
        #expect(store.keysByRecentUse == ["tokens"])
        #expect(store.removeExpired(now: at(86_400)) == 1)
        #expect(store.keyCount == 0)
    }
}
