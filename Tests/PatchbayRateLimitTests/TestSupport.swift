import Foundation

@testable import PatchbayRateLimit

/// 2023-11-15T00:00:00Z, a UTC midnight: every test's clock starts here.
let midnight: TimeInterval = 1_700_006_400

/// `seconds` after ``midnight``.
func at(_ seconds: TimeInterval) -> Date {
    Date(timeIntervalSince1970: midnight + seconds)
}

/// Acquires `count` times at `now` and returns how many were allowed.
func acquire(
    _ store: InProcessRateLimitStore,
    _ count: Int,
    key: String = "k",
    policy: RateLimitPolicy,
    now: Date
) -> Int {
    (0..<count).reduce(0) { allowed, _ in
        allowed + (store.acquire(key: key, policy: policy, now: now).allowed ? 1 : 0)
    }
}

extension RateLimitDecision {
    /// The status of one window, if the policy has it.
    subscript(_ window: RateLimitWindow) -> RateLimitWindowStatus? {
        self.windows.first { $0.window == window }
    }
}
