import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("Fixed windows (minute, hour, day)")
struct FixedWindowTests {
    /// A policy limiting only `window` to `limit`, and the window's length in seconds.
    static func policy(_ window: RateLimitWindow, limit: Int) -> (RateLimitPolicy, TimeInterval) {
        switch window {
        case .minute: (RateLimitPolicy(requestsPerMinute: limit), 60)
        case .hour: (RateLimitPolicy(requestsPerHour: limit), 3_600)
        case .day: (RateLimitPolicy(requestsPerDay: limit), 86_400)
        default: fatalError("not a fixed request window")
        }
    }

    @Test("refuses exactly the N+1th request, with the wait to the window's end", arguments: StoreKind.allCases, [RateLimitWindow.minute, .hour, .day])
    func refusesAtNPlusOne(kind: StoreKind, window: RateLimitWindow) async throws {
        let (policy, length) = Self.policy(window, limit: 3)
        let store = try await kind.makeStore()
        // A quarter into the window that starts at 2 × length after midnight (for the day: the next day).
        let windowStart = 2 * length
        let now = at(windowStart + length / 4)

        for expectedRemaining in [2, 1, 0] {
            let decision = try await store.acquire(key: "k", policy: policy, now: now)
            #expect(decision.allowed)
            #expect(decision.retryAfter == nil)
            #expect(decision.binding?.window == window)
            #expect(decision.binding?.remaining == expectedRemaining)
            #expect(decision.binding?.limit == 3)
            #expect(decision.binding?.resetAt == at(windowStart + length))
        }

        let refused = try await store.acquire(key: "k", policy: policy, now: now)
        #expect(!refused.allowed)
        #expect(refused.binding?.window == window)
        #expect(refused.binding?.remaining == 0)
        #expect(refused.retryAfter == .seconds(Int(length * 3 / 4)))
        #expect(refused.retryAfterSeconds == Int(length * 3 / 4))
        let headers = try #require(refused.headers)
        #expect(headers.limit == 3 && headers.remaining == 0)
        #expect(headers.reset == Int(midnight + windowStart + length))
    }

    @Test("resets exactly at the UTC boundary, not a microsecond before", arguments: StoreKind.allCases, [RateLimitWindow.minute, .hour, .day])
    func resetsAtBoundary(kind: StoreKind, window: RateLimitWindow) async throws {
        let (policy, length) = Self.policy(window, limit: 2)
        let store = try await kind.makeStore()

        #expect(try await acquire(store, 3, policy: policy, now: at(length - 10)) == 2)

        let justBefore = try await store.acquire(key: "k", policy: policy, now: at(length - 0.000_001))
        #expect(!justBefore.allowed)
        #expect(justBefore.retryAfter == .microseconds(1))
        #expect(justBefore.retryAfterSeconds == 1)

        let atBoundary = try await store.acquire(key: "k", policy: policy, now: at(length))
        #expect(atBoundary.allowed)
        #expect(atBoundary.binding?.remaining == 1)
        #expect(atBoundary.binding?.resetAt == at(2 * length))
        #expect(try await acquire(store, 5, policy: policy, now: at(length + 1)) == 1)
    }

    @Test("windows align to UTC, not to the first request", arguments: StoreKind.allCases)
    func alignedToUTC(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 1)
        // First request at 00:00:59: its window still ends at 00:01:00.
        let first = try await store.acquire(key: "k", policy: policy, now: at(59))
        #expect(first.binding?.resetAt == at(60))
        #expect(try await store.acquire(key: "k", policy: policy, now: at(60)).allowed)
    }

    @Test("the boundary lets 2× the limit through; a burst limit stops it", arguments: StoreKind.allCases)
    func boundaryEdgeAndBurst(kind: StoreKind) async throws {
        let windowOnly = RateLimitPolicy(requestsPerMinute: 5)
        let store = try await kind.makeStore()
        #expect(try await acquire(store, 5, policy: windowOnly, now: at(59.9)) == 5)
        #expect(try await acquire(store, 5, policy: windowOnly, now: at(60)) == 5)

        let withBurst = RateLimitPolicy(requestsPerMinute: 5, burst: 5)
        let tempered = try await kind.makeStore()
        #expect(try await acquire(tempered, 5, policy: withBurst, now: at(59.9)) == 5)
        let refused = try await tempered.acquire(key: "k", policy: withBurst, now: at(60))
        #expect(!refused.allowed)
        #expect(refused.binding?.window == .burst)
        // 5 a minute refill one request every 12 s; 0.1 s of it has passed.
        #expect(refused.retryAfter == .milliseconds(11_900))
        #expect(refused[.minute]?.remaining == 5)
    }

    @Test("a refused request counts in no window", arguments: StoreKind.allCases)
    func refusalCountsNowhere(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 5, requestsPerHour: 3, burst: 4)
        #expect(try await acquire(store, 20, policy: policy, now: at(10)) == 3)

        let status = try await store.status(key: "k", policy: policy, now: at(10))
        #expect(status[.minute]?.remaining == 2)
        #expect(status[.hour]?.remaining == 0)
        #expect(status[.burst]?.remaining == 1)
    }

    @Test("a limit of zero refuses everything", arguments: StoreKind.allCases)
    func zeroLimit(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let decision = try await store.acquire(key: "k", policy: RateLimitPolicy(requestsPerHour: 0), now: at(30))
        #expect(!decision.allowed)
        #expect(decision.retryAfter == .seconds(3_570))
        #expect(decision.headers?.limit == 0)
    }

    @Test("a clock stepped back does not reset a window", arguments: StoreKind.allCases)
    func clockSteppedBack(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 2)
        #expect(try await acquire(store, 2, policy: policy, now: at(70)) == 2)
        let earlier = try await store.acquire(key: "k", policy: policy, now: at(50))
        #expect(!earlier.allowed)
        #expect(earlier.binding?.resetAt == at(120))
    }
}
