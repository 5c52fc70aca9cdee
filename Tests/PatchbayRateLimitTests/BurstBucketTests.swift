import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("Burst token bucket")
struct BurstBucketTests {
    @Test("starts full, refills at requestsPerMinute / 60 per second", arguments: StoreKind.allCases)
    func refillsAtPerMinuteRate(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 60, burst: 10)
        #expect(try await acquire(store, 10, policy: policy, now: at(5)) == 10)

        let refused = try await store.acquire(key: "k", policy: policy, now: at(5))
        #expect(!refused.allowed)
        #expect(refused.binding?.window == .burst)
        #expect(refused.retryAfter == .seconds(1))
        // Full again after 10 refills of 1 s.
        #expect(refused.binding?.resetAt == at(15))
        #expect(refused.binding?.limit == 10)

        let halfway = try await store.acquire(key: "k", policy: policy, now: at(5.5))
        #expect(!halfway.allowed)
        #expect(halfway.retryAfter == .milliseconds(500))

        // 2.5 s later: two requests' worth, and half of a third.
        #expect(try await acquire(store, 3, policy: policy, now: at(7.5)) == 2)
        #expect(try await store.acquire(key: "k", policy: policy, now: at(7.5)).retryAfter == .milliseconds(500))
    }

    @Test("without a per-minute limit, refills at burst per minute", arguments: StoreKind.allCases)
    func refillsAtBurstPerMinute(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(burst: 6)
        #expect(try await acquire(store, 7, policy: policy, now: at(0)) == 6)
        #expect(try await store.acquire(key: "k", policy: policy, now: at(0)).retryAfter == .seconds(10))

        let status = try await store.status(key: "k", policy: policy, now: at(30))
        #expect(status[.burst]?.remaining == 3)
        #expect(status[.burst]?.resetAt == at(60))
    }

    @Test("a rate that does not divide a second is exact to the microsecond", arguments: StoreKind.allCases)
    func exactIntegerRefill(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        // 7 a minute: one every 60/7 s = 8.571428571… s, rounded up to the microsecond.
        let sevenPerMinute = RateLimitPolicy(requestsPerMinute: 7, burst: 1)
        #expect(try await store.acquire(key: "k", policy: sevenPerMinute, now: at(0)).allowed)
        let refused = try await store.acquire(key: "k", policy: sevenPerMinute, now: at(0))
        #expect(refused.retryAfter == .microseconds(8_571_429))
        #expect(try await !store.acquire(key: "k", policy: sevenPerMinute, now: at(8.571_428)).allowed)
        #expect(try await store.acquire(key: "k", policy: sevenPerMinute, now: at(8.571_429)).allowed)


        // A burst of 1 without a per-minute limit refills one a minute.
        let onePerMinute = RateLimitPolicy(requestsPerHour: 1_000, burst: 1)
        #expect(try await store.acquire(key: "other", policy: onePerMinute, now: at(0)).allowed)
        #expect(try await store.acquire(key: "other", policy: onePerMinute, now: at(0)).retryAfter == .seconds(60))
    }

    @Test("never holds more than its capacity, however long it rests", arguments: StoreKind.allCases)
    func cappedAtCapacity(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 600, burst: 4)
        #expect(try await acquire(store, 4, policy: policy, now: at(0)) == 4)
        #expect(try await store.status(key: "k", policy: policy, now: at(3_600))[.burst]?.remaining == 4)
        #expect(try await acquire(store, 10, policy: policy, now: at(3_600)) == 4)
    }

    @Test("a smaller burst in a new policy clamps what the bucket holds", arguments: StoreKind.allCases)
    func policyShrinks(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        #expect(try await store.acquire(key: "k", policy: RateLimitPolicy(burst: 10), now: at(0)).binding?.remaining == 9)
        #expect(try await acquire(store, 5, policy: RateLimitPolicy(burst: 3), now: at(0)) == 3)
    }
}
