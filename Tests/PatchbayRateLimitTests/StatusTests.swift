import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("status")
struct StatusTests {
    @Test("status counts nothing and creates no key", arguments: StoreKind.allCases)
    func statusDoesNotCount(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 2, burst: 2)
        for _ in 0..<10 {
            let status = try await store.status(key: "k", policy: policy, now: at(0))
            #expect(status.allowed)
            #expect(status[.minute]?.remaining == 2)
            #expect(status[.burst]?.remaining == 2)
        }
        #expect(try await StoreKind.keyCount(store) == 0)

        #expect(try await store.acquire(key: "k", policy: policy, now: at(0)).allowed)
        #expect(try await store.status(key: "k", policy: policy, now: at(0))[.minute]?.remaining == 1)
        #expect(try await store.status(key: "k", policy: policy, now: at(0))[.minute]?.remaining == 1)
        #expect(try await acquire(store, 5, policy: policy, now: at(0)) == 1)
    }

    @Test("status of a spent key says a request now would be refused, and for how long", arguments: StoreKind.allCases)
    func statusWhenSpent(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 1)
        _ = try await store.acquire(key: "k", policy: policy, now: at(15))
        let status = try await store.status(key: "k", policy: policy, now: at(20))
        #expect(!status.allowed)
        #expect(status.retryAfter == .seconds(40))
        #expect(status.headers?.remaining == 0)
    }

    @Test("status does not mark a key used")
    func statusDoesNotTouch() {
        let store = InProcessRateLimitStore(maxKeys: 2)
        let policy = RateLimitPolicy(requestsPerDay: 10)
        _ = store.acquire(key: "a", policy: policy, now: at(0))
        _ = store.acquire(key: "b", policy: policy, now: at(0))
        _ = store.status(key: "a", policy: policy, now: at(0))
        #expect(store.keysByRecentUse == ["b", "a"])
        _ = store.acquire(key: "c", policy: policy, now: at(0))
        #expect(store.keysByRecentUse == ["c", "b"])
    }
}
