import Foundation
import Synchronization

/// Counts wrong API keys per client address, so that keys cannot be guessed at speed: past
/// `auth.max_failures_per_minute` wrong keys in a minute, the address gets 429 until that
/// minute has passed. A request with no key at all is not a guess and is not counted.
final class AuthFailureLimiter: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var failures: Int
    }

    /// How long a window lasts.
    static let window = Duration.seconds(60)
    /// Past this many addresses, expired windows are swept on the next failure.
    private static let sweepThreshold = 4096

    private let windows = Mutex<[String: Window]>([:])
    private let metrics: PatchbayMetrics?
    private let now: @Sendable () -> ContinuousClock.Instant

    init(metrics: PatchbayMetrics?, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.metrics = metrics
        self.now = now
    }

    /// How long `address` must wait before its next attempt, or nil if it may try now.
    func wait(for address: String, limit: Int) -> Duration? {
        let now = self.now()
        let wait: Duration? = windows.withLock { windows in
            guard let window = windows[address], window.start + Self.window > now, window.failures >= limit else { return nil }
            return window.start + Self.window - now
        }
        if wait != nil { metrics?.authenticationThrottled() }
        return wait
    }

    /// Counts a wrong key from `address`; true when this one reached the limit (log it once).
    func recordFailure(from address: String, limit: Int) -> Bool {
        let now = self.now()
        metrics?.authenticationFailed()
        return windows.withLock { windows in
            if windows.count > Self.sweepThreshold {
                windows = windows.filter { $0.value.start + Self.window > now }
            }
            var window = windows[address].flatMap { $0.start + Self.window > now ? $0 : nil } ?? Window(start: now, failures: 0)
            window.failures += 1
            windows[address] = window
            return window.failures == limit
        }
    }
}
