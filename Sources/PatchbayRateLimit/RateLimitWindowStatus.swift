import Foundation

/// One kind of limit a ``RateLimitPolicy`` can set.
///
/// The raw value is the name shown to API clients (`GET /api/rate-limit`).
public enum RateLimitWindow: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Requests per UTC minute (fixed window).
    case minute
    /// Requests per UTC hour (fixed window).
    case hour
    /// Requests per UTC day (fixed window).
    case day
    /// Requests back to back (token bucket).
    case burst
    /// Provider tokens per UTC day, from recorded usage.
    case tokensDay = "tokens_day"

    /// The name shown to API clients: `minute`, `hour`, `day`, `burst` or `tokens_day`.
    public var description: String { self.rawValue }

    /// Whether the window counts requests (every window but ``tokensDay``, which counts tokens).
    public var countsRequests: Bool { self != .tokensDay }

    /// The length of a fixed window, in microseconds; `nil` for the burst bucket.
    var lengthMicroseconds: Int64? {
        switch self {
        case .minute: 60 * Microseconds.perSecond
        case .hour: 3_600 * Microseconds.perSecond
        case .day, .tokensDay: 86_400 * Microseconds.perSecond
        case .burst: nil
        }
    }
}

/// Where one window of a caller's limits stands.
public struct RateLimitWindowStatus: Sendable, Hashable {
    /// Which limit this is.
    public var window: RateLimitWindow
    /// The limit: requests per window, the bucket's capacity, or tokens per day.
    public var limit: Int
    /// What is left: requests (or, for ``RateLimitWindow/tokensDay``, tokens) still allowed now.
    public var remaining: Int
    /// When the window is whole again: the end of a fixed window (a UTC boundary), or the moment
    /// the burst bucket is full again.
    public var resetAt: Date
    /// How long until this window admits a request, or `nil` when it admits one now.
    ///
    /// For a fixed window, the time to its end; for the burst bucket, the time until one request's
    /// worth has refilled (often much sooner than ``resetAt``).
    public var retryAfter: Duration?

    /// Creates a window status.
    public init(window: RateLimitWindow, limit: Int, remaining: Int, resetAt: Date, retryAfter: Duration? = nil) {
        self.window = window
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
        self.retryAfter = retryAfter
    }

    /// The window's name: `minute`, `hour`, `day`, `burst` or `tokens_day`.
    public var name: String { self.window.rawValue }

    /// Whether the window admits a request now.
    public var admits: Bool { self.retryAfter == nil }

    /// ``retryAfter`` in whole seconds, rounded up and at least 1, as `Retry-After` wants it;
    /// `nil` while the window admits requests.
    public var retryAfterSeconds: Int? {
        self.retryAfter.map(Self.wholeSeconds)
    }

    /// A wait in whole seconds, rounded up, at least 1.
    public static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Swift.max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
