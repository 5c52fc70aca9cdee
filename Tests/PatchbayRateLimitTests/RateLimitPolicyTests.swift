import Testing

@testable import PatchbayRateLimit

@Suite("RateLimitPolicy")
struct RateLimitPolicyTests {
    @Test("merged keeps the stricter value of each field, and any value over none")
    func mergedIsStricter() {
        let global = RateLimitPolicy(requestsPerMinute: 60, requestsPerHour: 1_000, tokensPerDay: 500_000, burst: 10)
        let assistant = RateLimitPolicy(requestsPerMinute: 20, requestsPerDay: 5_000, burst: 15)
        let key = RateLimitPolicy(requestsPerHour: 300, tokensPerDay: 1_000_000)

        let merged = global.merged(with: assistant).merged(with: key)

        #expect(
            merged
                == RateLimitPolicy(requestsPerMinute: 20, requestsPerHour: 300, requestsPerDay: 5_000, tokensPerDay: 500_000, burst: 10)
        )
        // Order does not matter.
        #expect(key.merged(with: assistant).merged(with: global) == merged)
    }

    @Test("merged with an unlimited policy changes nothing; zero is the strictest limit")
    func mergedIdentityAndZero() {
        let policy = RateLimitPolicy(requestsPerMinute: 5, burst: 2)
        #expect(policy.merged(with: .unlimited) == policy)
        #expect(RateLimitPolicy.unlimited.merged(with: policy) == policy)
        #expect(policy.merged(with: RateLimitPolicy(requestsPerMinute: 0)).requestsPerMinute == 0)
    }

    @Test("overridden takes every field the other policy sets, looser or not, and keeps the rest")
    func overriddenFieldByField() {
        let global = RateLimitPolicy(requestsPerMinute: 60, requestsPerHour: 1_000, tokensPerDay: 500_000, burst: 10)
        let key = RateLimitPolicy(requestsPerMinute: 600, requestsPerDay: 5_000, burst: 2)
        #expect(
            global.overridden(by: key)
                == RateLimitPolicy(requestsPerMinute: 600, requestsPerHour: 1_000, requestsPerDay: 5_000, tokensPerDay: 500_000, burst: 2)
        )
        #expect(global.overridden(by: .unlimited) == global)
        #expect(RateLimitPolicy.unlimited.overridden(by: key) == key)
    }

    @Test("isUnlimited only without any limit")
    func isUnlimited() {
        #expect(RateLimitPolicy().isUnlimited)
        #expect(RateLimitPolicy.unlimited.isUnlimited)
        #expect(!RateLimitPolicy(requestsPerDay: 1).isUnlimited)
        #expect(!RateLimitPolicy(tokensPerDay: 1).isUnlimited)
        #expect(!RateLimitPolicy(burst: 1).isUnlimited)
    }
}
