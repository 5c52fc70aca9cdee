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

    @Test("50 tasks × 8 requests against a limit of 37: exactly 37 pass", arguments: StoreKind.allCases, 1...5)
    func exactlyNAllowed(kind: StoreKind, round: Int) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 37, requestsPerHour: 1_000)
        let (allowed, refused) = try await Self.race(store, policy: policy, window: .minute, perTask: 8, now: at(Double(round)))
        #expect(allowed.count == 37)
        #expect(refused == 50 * 8 - 37)
        // Each allowed request saw its own count: no two were counted as the same one.
        #expect(allowed.sorted() == Array(0..<37))
        #expect(try await store.status(key: "shared", policy: policy, now: at(Double(round)))[.hour]?.remaining == 1_000 - 37)
    }

    @Test("the burst bucket is exact too: 50 tasks × 4 requests, burst 10", arguments: StoreKind.allCases, 1...5)
    func exactBurst(kind: StoreKind, round: Int) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 60, requestsPerDay: 500, burst: 10)
        let (allowed, refused) = try await Self.race(store, policy: policy, window: .burst, perTask: 4, now: at(Double(round)))
        #expect(allowed.count == 10)
        #expect(refused == 190)
        #expect(allowed.sorted() == Array(0..<10))
        #expect(try await store.status(key: "shared", policy: policy, now: at(Double(round)))[.day]?.remaining == 490)
    }

    @Test("concurrent callers on different keys each get their own limit", arguments: StoreKind.allCases)
    func concurrentKeys(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = RateLimitPolicy(requestsPerMinute: 3)
        let perKey = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask { try await acquire(store, 10, key: "key-\(index % 10)", policy: policy, now: at(0)) }
            }
            return try await group.reduce(0, +)
        }
        #expect(perKey == 10 * 3)
        #expect(try await StoreKind.keyCount(store) == 10)
    }
}
