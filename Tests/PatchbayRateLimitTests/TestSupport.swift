import Foundation
import Logging
import PatchbayRedis
import PatchbayTestSupport
import Testing

@testable import PatchbayRateLimit

/// 2023-11-15T00:00:00Z, a UTC midnight: every test's clock starts here.
let midnight: TimeInterval = 1_700_006_400

/// `seconds` after ``midnight``.
func at(_ seconds: TimeInterval) -> Date {
    Date(timeIntervalSince1970: midnight + seconds)
}

/// The stores the behavioural suites run against: the same tests, the same expectations.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inProcess = "in-process"
    case redis

    var testDescription: String { rawValue }

    /// A store with no counters yet: a new in-process one, or keys of its own on the shared
    /// test `redis-server`.
    func makeStore() async throws -> any RateLimitStore {
        switch self {
        case .inProcess: InProcessRateLimitStore()
        // Keys kept an hour past their use: the tests' clock stands still while real time passes.
        case .redis: RedisRateLimitStore(client: try await Self.sharedClient.get(), keyPrefix: "test:\(UUID().uuidString):", expirySlack: .seconds(3_600))
        }
    }

    /// How many keys the store holds counters for now.
    static func keyCount(_ store: any RateLimitStore) async throws -> Int {
        switch store {
        case let store as InProcessRateLimitStore:
            return store.keyCount
        case let store as RedisRateLimitStore:
            return try await store.client.send(["KEYS", store.keyPrefix + "*"]).arrayValue?.count ?? -1
        default:
            Issue.record("unknown store \(store)")
            return -1
        }
    }

    /// One client for the suites' Redis stores. Its timeout is generous: the concurrency tests
    /// pipeline hundreds of calls on a loaded machine, and no test here is about a slow server.
    private static let sharedClient = StartedOnce {
        let server = try await RedisTestServer.shared()
        return RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, timeout: .seconds(10)), logger: Logger(label: "rate-limit-tests"))
    }
}

/// Acquires `count` times at `now` and returns how many were allowed.
func acquire(
    _ store: any RateLimitStore,
    _ count: Int,
    key: String = "k",
    policy: RateLimitPolicy,
    now: Date
) async throws -> Int {
    var allowed = 0
    for _ in 0..<count where try await store.acquire(key: key, policy: policy, now: now).allowed {
        allowed += 1
    }
    return allowed
}

extension RateLimitDecision {
    /// The status of one window, if the policy has it.
    subscript(_ window: RateLimitWindow) -> RateLimitWindowStatus? {
        self.windows.first { $0.window == window }
    }
}
