import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("Daily token budget")
struct TokenBudgetTests {
    @Test("recorded usage refuses once the budget is reached, until the next UTC day", arguments: StoreKind.allCases)
    func budgetLifecycle(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(tokensPerDay: 1_000)

        #expect(try await store.acquire(key: "k", policy: policy, now: at(3_600)).allowed)
        try await store.record(tokens: 600, key: "k", now: at(3_601))
        let second = try await store.acquire(key: "k", policy: policy, now: at(3_700))
        #expect(second.allowed)
        #expect(second[.tokensDay]?.remaining == 400)
        // Only the only limit, so it decides the headers.
        #expect(second.binding?.window == .tokensDay)

        // Usage is known after the reply: the last one may overshoot.
        try await store.record(tokens: 500, key: "k", now: at(3_701))
        let refused = try await store.acquire(key: "k", policy: policy, now: at(43_200))
        #expect(!refused.allowed)
        #expect(refused.binding?.window == .tokensDay)
        #expect(refused.binding?.remaining == 0)
        #expect(refused.binding?.resetAt == at(86_400))
        #expect(refused.retryAfter == .seconds(43_200))
        #expect(try #require(refused.headers).reset == Int(midnight) + 86_400)

        let nextDay = try await store.acquire(key: "k", policy: policy, now: at(86_400))
        #expect(nextDay.allowed)
        #expect(nextDay[.tokensDay]?.remaining == 1_000)
    }

    @Test("acquiring does not spend tokens; only recording does", arguments: StoreKind.allCases)
    func acquireCountsNoTokens(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(tokensPerDay: 10)
        #expect(try await acquire(store, 50, policy: policy, now: at(0)) == 50)
        try await store.record(tokens: 9, key: "k", now: at(1))
        #expect(try await store.status(key: "k", policy: policy, now: at(1))[.tokensDay]?.remaining == 1)
        try await store.record(tokens: 1, key: "k", now: at(1))
        #expect(try await !store.status(key: "k", policy: policy, now: at(1)).allowed)
    }

    @Test("usage recorded on one day does not count on the next", arguments: StoreKind.allCases)
    func recordedPerDay(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(tokensPerDay: 100)
        try await store.record(tokens: 100, key: "k", now: at(86_399))
        #expect(try await !store.acquire(key: "k", policy: policy, now: at(86_399.5)).allowed)
        try await store.record(tokens: 30, key: "k", now: at(86_400))
        #expect(try await store.status(key: "k", policy: policy, now: at(86_401))[.tokensDay]?.remaining == 70)
    }

    @Test("zero or negative usage records nothing and creates no key", arguments: StoreKind.allCases)
    func nothingToRecord(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.record(tokens: 0, key: "k", now: at(0))
        try await store.record(tokens: -5, key: "k", now: at(0))
        #expect(try await StoreKind.keyCount(store) == 0)
        #expect(try await store.status(key: "k", policy: RateLimitPolicy(tokensPerDay: 10), now: at(0))[.tokensDay]?.remaining == 10)
    }

    @Test("huge usage saturates instead of overflowing", arguments: StoreKind.allCases)
    func saturates(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.record(tokens: .max, key: "k", now: at(0))
        try await store.record(tokens: .max, key: "k", now: at(0))
        #expect(try await !store.acquire(key: "k", policy: RateLimitPolicy(tokensPerDay: .max), now: at(1)).allowed)
    }
}
