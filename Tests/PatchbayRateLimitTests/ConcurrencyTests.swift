import Foundation
import Testing

@testable import PatchbayRateLimit

@Suite("Exactness under concurrency")
struct ConcurrencyTests {
    /// 50 tasks each make `perTask` requests at once against one key; returns every allowed
    /// decision's remaining count for `window`.
    static func race(
        _ store: any RateLimitStore,
        policy: RateLimitPolicy,
        window: RateLimitWindow,
        perTask: Int,
        now: Date
    ) async throws -> (allowed: [Int], refused: Int) {
        try await withThrowingTaskGroup(of: [Int?].self) { group in
            for _ in 0..<50 {
                group.addTask {
                    var results: [Int?] = []
                    for _ in 0..<perTask {
                        let decision = try await store.acquire(key: "shared", policy: policy, now: now)
                        results.append(decision.allowed ? decision.windows.first { $0.window == window }?.remaining ?? -1 : nil)
                    }
                    return results
                }
            }
            var allowed: [Int] = []
            var refused = 0
            for try await results in group {
                for result in results {
                    if let result { allowed.append(result) } else { refused += 1 }
                }
            }
            return (allowed, refused)
        }
    }

    @Test("50 tasks × 8 requests against a limit of 37: exactly 37 pass", arguments: 1...5)
    func exactlyNAllowed(round: Int) async throws {
        let store = InProcessRateLimitStore()
        let policy = RateLimitPolicy(requestsPerMinute: 37, requestsPerHour: 1_000)
        let (allowed, refused) = try await Self.race(store, policy: policy, window: .minute, perTask: 8, now: at(Double(round)))
        #expect(allowed.count == 37)
        #expect(refused == 50 * 8 - 37)
        // Each allowed request saw its own count: no two were counted as the same one.
        #expect(allowed.sorted() == Array(0..<37))
        #expect(store.status(key: "shared", policy: policy, now: at(Double(round)))[.hour]?.remaining == 1_000 - 37)
    }

    @Test("the burst bucket is exact too: 50 tasks × 4 requests, burst 10", arguments: 1...5)
    func exactBurst(round: Int) async throws {
        let store = InProcessRateLimitStore()
        let policy = RateLimitPolicy(requestsPerMinute: 60, requestsPerDay: 500, burst: 10)
        let (allowed, refused) = try await Self.race(store, policy: policy, window: .burst, perTask: 4, now: at(Double(round)))
        #expect(allowed.count == 10)
        #expect(refused == 190)
        #expect(allowed.sorted() == Array(0..<10))
        #expect(store.status(key: "shared", policy: policy, now: at(Double(round)))[.day]?.remaining == 490)
    }

    @Test("concurrent callers on different keys each get their own limit")
    func concurrentKeys() async {
        let store = InProcessRateLimitStore()
        let policy = RateLimitPolicy(requestsPerMinute: 3)
        let perKey = await withTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask {
                    (0..<10).reduce(0) { count, _ in
                        count + (store.acquire(key: "key-\(index % 10)", policy: policy, now: at(0)).allowed ? 1 : 0)
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(perKey == 10 * 3)
        #expect(store.keyCount == 10)
    }
}
