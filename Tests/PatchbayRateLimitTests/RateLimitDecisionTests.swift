import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("Decision, binding window and headers")
struct RateLimitDecisionTests {
    @Test("an allowed request binds the window with the fewest remaining", arguments: StoreKind.allCases)
    func fewestRemaining(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 10, requestsPerHour: 100, burst: 5)
        let decision = try await store.acquire(key: "k", policy: policy, now: at(30))

        #expect(decision.windows.map(\.name) == ["minute", "hour", "burst"])
        #expect(decision.binding?.window == .burst)
        let headers = try #require(decision.headers)
        #expect(headers.limit == 5)
        #expect(headers.remaining == 4)
        // 10 a minute refill one request in 6 s.
        #expect(headers.reset == Int(midnight) + 36)
        #expect(decision[.minute]?.remaining == 9)
        #expect(decision[.hour]?.remaining == 99)
    }

    @Test("a tie goes to the window that resets later", arguments: StoreKind.allCases)
    func tieGoesToLaterReset(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let decision = try await store.acquire(key: "k", policy: RateLimitPolicy(requestsPerMinute: 5, requestsPerHour: 5), now: at(0))
        #expect(decision.binding?.window == .hour)
        #expect(decision.headers?.reset == Int(midnight) + 3_600)
    }

    @Test("a refusal binds the refusing window with the longest wait", arguments: StoreKind.allCases)
    func longestWait(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 2, requestsPerHour: 50, requestsPerDay: 2)
        #expect(try await acquire(store, 2, policy: policy, now: at(7_200)) == 2)
        let refused = try await store.acquire(key: "k", policy: policy, now: at(7_200))
        #expect(!refused.allowed)
        #expect(refused.binding?.window == .day)
        #expect(refused.retryAfter == .seconds(86_400 - 7_200))
        #expect(refused[.minute]?.retryAfter == .seconds(60))
        #expect(refused[.hour]?.retryAfter == nil)

        let fields = Dictionary(uniqueKeysWithValues: refused.headerFields.map { ($0.name, $0.value) })
        #expect(
            fields == [
                "X-RateLimit-Limit": "2",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": String(Int(midnight) + 86_400),
                "Retry-After": String(86_400 - 7_200),
            ]
        )
    }

    @Test("a refusal binds a refusing window even when another has fewer remaining")
    func refusingWindowWins() {
        let decision = RateLimitDecision(
            allowed: false,
            windows: [
                RateLimitWindowStatus(window: .minute, limit: 10, remaining: 0, resetAt: at(60), retryAfter: .seconds(30)),
                RateLimitWindowStatus(window: .tokensDay, limit: 100, remaining: 0, resetAt: at(86_400), retryAfter: nil),
            ]
        )
        #expect(decision.binding?.window == .minute)
        #expect(decision.retryAfter == .seconds(30))
    }

    @Test("an allowed request prefers a request window to the token budget", arguments: StoreKind.allCases)
    func tokensDoNotBindAllowed(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 100, tokensPerDay: 50)
        try await store.record(tokens: 40, key: "k", now: at(0))
        let decision = try await store.acquire(key: "k", policy: policy, now: at(1))
        #expect(decision.allowed)
        #expect(decision[.tokensDay]?.remaining == 10)
        #expect(decision.binding?.window == .minute)
        #expect(decision.headers?.remaining == 99)
    }

    @Test("Retry-After rounds up to whole seconds, at least 1")
    func retryAfterRoundsUp() {
        func refused(after wait: Duration) -> RateLimitDecision {
            RateLimitDecision(
                allowed: false,
                windows: [RateLimitWindowStatus(window: .minute, limit: 1, remaining: 0, resetAt: at(60), retryAfter: wait)]
            )
        }
        #expect(refused(after: .milliseconds(50_500)).retryAfterSeconds == 51)
        #expect(refused(after: .seconds(50)).retryAfterSeconds == 50)
        #expect(refused(after: .nanoseconds(1)).retryAfterSeconds == 1)
        #expect(refused(after: .milliseconds(50_500)).headerFields.last?.value == "51")
    }

    @Test("an unlimited policy: allowed, no windows, no headers, nothing stored", arguments: StoreKind.allCases)
    func unlimited(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        for _ in 0..<100 {
            #expect(try await store.acquire(key: "k", policy: .unlimited, now: at(0)) == .unlimited)
        }
        let decision = try await store.status(key: "k", policy: .unlimited, now: at(0))
        #expect(decision.allowed)
        #expect(decision.windows.isEmpty)
        #expect(decision.headers == nil)
        #expect(decision.headerFields.isEmpty)
        #expect(try await StoreKind.keyCount(store) == 0)
    }

    @Test("allowed decisions carry headers but no Retry-After", arguments: StoreKind.allCases)
    func allowedHasNoRetryAfter(kind: StoreKind) async throws {
        let decision = try await kind.makeStore().acquire(key: "k", policy: RateLimitPolicy(requestsPerMinute: 1), now: at(0))
        #expect(decision.allowed)
        #expect(decision.retryAfter == nil)
        #expect(decision.retryAfterSeconds == nil)
        #expect(decision.headerFields.map(\.name) == ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"])
        // The window is spent now: it reports when it admits the next request.
        #expect(decision.binding?.retryAfter == .seconds(60))
    }
}
