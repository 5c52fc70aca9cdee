import Foundation

/// The outcome of a rate limit check: allowed or refused, and where every window stands.
///
/// From ``RateLimitStore/acquire(key:policy:now:)`` the windows show the state *after* the request
/// was counted; from ``RateLimitStore/status(key:policy:now:)`` the state as it is, and
/// ``allowed`` says whether a request made now would pass.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the request is allowed.
    public var allowed: Bool
    /// The window that decides the headers: on a refusal, the one that refused (with the longest
    /// wait if several did); otherwise the request window with the fewest remaining (the later
    /// reset wins a tie). `nil` when no limit applies.
    ///
    /// The daily token budget counts tokens, not requests, so an allowed decision names it only
    /// when it is the only limit: its remaining count would mislead a client counting requests.
    public var binding: RateLimitWindowStatus?
    /// On a refusal, how long until the binding window admits a request again; `nil` otherwise.
    ///
    /// Every other window that refused admits one by then, and none that allowed has been spent, so
    /// a retry after this long passes unless other requests come first.
    public var retryAfter: Duration?
    /// Every window of the policy, in ``RateLimitWindow`` order.
    public var windows: [RateLimitWindowStatus]

    /// Creates a decision, choosing ``binding`` and ``retryAfter`` from the windows.
    ///
    /// Stores (such as a shared Redis store) build their decisions with this, so that every store
    /// reports windows and headers the same way.
    public init(allowed: Bool, windows: [RateLimitWindowStatus]) {
        self.allowed = allowed
        self.windows = windows
        if allowed {
            self.binding = Self.fewestRemaining(windows.filter(\.window.countsRequests)) ?? Self.fewestRemaining(windows)
            self.retryAfter = nil
        } else {
            self.binding = Self.longestWait(windows.filter { !$0.admits })
            self.retryAfter = self.binding?.retryAfter
        }
    }

    /// The decision when no limit applies: allowed, with no windows and no headers.
    public static var unlimited: Self { .init(allowed: true, windows: []) }

    /// The three `X-RateLimit-*` header values, from the binding window: limit, remaining, and
    /// reset as epoch seconds (rounded up). `nil` when no limit applies.
    public var headers: (limit: Int, remaining: Int, reset: Int)? {
        guard let binding else { return nil }
        let reset = binding.resetAt.timeIntervalSince1970.rounded(.up)
        return (binding.limit, binding.remaining, Int(reset))
    }

    /// `Retry-After` in whole seconds (``retryAfter`` rounded up, at least 1), or `nil` when the
    /// request is allowed.
    public var retryAfterSeconds: Int? {
        retryAfter.map(RateLimitWindowStatus.wholeSeconds)
    }

    /// The HTTP header fields to send: `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
    /// `X-RateLimit-Reset` (when a limit applies) and `Retry-After` (on a refusal, which the server
    /// answers with status 429).
    public var headerFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        if let headers {
            fields.append(("X-RateLimit-Limit", String(headers.limit)))
            fields.append(("X-RateLimit-Remaining", String(headers.remaining)))
            fields.append(("X-RateLimit-Reset", String(headers.reset)))
        }
        if let retryAfterSeconds {
            fields.append(("Retry-After", String(retryAfterSeconds)))
        }
        return fields
    }

    private static func fewestRemaining(_ windows: [RateLimitWindowStatus]) -> RateLimitWindowStatus? {
        windows.min { a, b in
            a.remaining != b.remaining ? a.remaining < b.remaining : a.resetAt > b.resetAt
        }
    }

    private static func longestWait(_ windows: [RateLimitWindowStatus]) -> RateLimitWindowStatus? {
        windows.max { a, b in
            let waitA = a.retryAfter ?? .zero
            let waitB = b.retryAfter ?? .zero
            return waitA != waitB ? waitA < waitB : a.resetAt < b.resetAt
        }
    }
}
