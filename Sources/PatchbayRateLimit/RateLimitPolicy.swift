/// The limits that apply to one caller: also what providers.yaml's `limits:` mappings (top
/// level, under an auth key, under an assistant) read into, where every limit present is at
/// least 1.
///
/// Every field is optional: `nil` means "no limit of that kind". A limit of `0` (or less) refuses
/// every request of that kind.
///
/// Limits can be set globally, per assistant and per API key. ``overridden(by:)`` lets a key's
/// own limits replace the global ones field by field; ``merged(with:)`` keeps the stricter value
/// of each field.
///
/// ## Semantics
///
/// - ``requestsPerMinute``, ``requestsPerHour``, ``requestsPerDay``: **fixed windows aligned to UTC
///   boundaries** (the minute starts at `:00` seconds, the hour at `:00:00`, the day at midnight
///   UTC). They are exact and cheap, and `X-RateLimit-Reset` is simply the end of the window. Their
///   known edge: a caller can spend a whole window's allowance just before a boundary and another
///   just after it, so up to 2× the limit can pass in a short span around a boundary. ``burst``
///   tempers that.
/// - ``burst``: a token bucket holding at most `burst` requests, refilled continuously at
///   `requestsPerMinute / 60` requests per second (without a per-minute limit, at `burst` per
///   minute). It caps how many requests can arrive back to back, including across a window
///   boundary: with `requestsPerMinute: 60, burst: 10`, the boundary spike is at most about 10
///   requests instead of 120.
/// - ``tokensPerDay``: provider tokens actually used today (UTC), as recorded after each reply with
///   ``RateLimitStore/record(tokens:key:now:)``. A request is refused once the day's recorded usage
///   has reached the budget. Usage is known only after a reply, so the request that crosses the
///   budget is not stopped: a day's usage can overshoot by one reply (and by every reply already in
///   flight when the budget was reached).
public struct RateLimitPolicy: Sendable, Hashable {
    /// Requests allowed per UTC minute, or `nil` for no limit.
    public var requestsPerMinute: Int?
    /// Requests allowed per UTC hour, or `nil` for no limit.
    public var requestsPerHour: Int?
    /// Requests allowed per UTC day, or `nil` for no limit.
    public var requestsPerDay: Int?
    /// Provider tokens allowed per UTC day (recorded from real usage), or `nil` for no limit.
    public var tokensPerDay: Int?
    /// The most requests allowed back to back (the token bucket's capacity), or `nil` for no limit.
    public var burst: Int?

    /// Creates a policy; every limit defaults to none.
    public init(
        requestsPerMinute: Int? = nil,
        requestsPerHour: Int? = nil,
        requestsPerDay: Int? = nil,
        tokensPerDay: Int? = nil,
        burst: Int? = nil
    ) {
        self.requestsPerMinute = requestsPerMinute
        self.requestsPerHour = requestsPerHour
        self.requestsPerDay = requestsPerDay
        self.tokensPerDay = tokensPerDay
        self.burst = burst
    }

    /// A policy without any limit.
    public static var unlimited: Self { .init() }

    /// The stricter of two policies, field by field (`nil` = no limit, so any value wins over it).
    ///
    /// Use it to combine the global, assistant and API key limits: the result never allows more
    /// than any of them.
    public func merged(with other: RateLimitPolicy) -> RateLimitPolicy {
        func stricter(_ a: Int?, _ b: Int?) -> Int? {
            switch (a, b) {
            case (nil, nil): nil
            case (let a?, nil): a
            case (nil, let b?): b
            case (let a?, let b?): Swift.min(a, b)
            }
        }
        return RateLimitPolicy(
            requestsPerMinute: stricter(self.requestsPerMinute, other.requestsPerMinute),
            requestsPerHour: stricter(self.requestsPerHour, other.requestsPerHour),
            requestsPerDay: stricter(self.requestsPerDay, other.requestsPerDay),
            tokensPerDay: stricter(self.tokensPerDay, other.tokensPerDay),
            burst: stricter(self.burst, other.burst)
        )
    }

    /// This policy with every limit `other` sets put in place of this one's: an API key's own
    /// limits override the global ones field by field (unlike ``merged(with:)``, a looser value
    /// in `other` wins).
    public func overridden(by other: RateLimitPolicy) -> RateLimitPolicy {
        RateLimitPolicy(
            requestsPerMinute: other.requestsPerMinute ?? self.requestsPerMinute,
            requestsPerHour: other.requestsPerHour ?? self.requestsPerHour,
            requestsPerDay: other.requestsPerDay ?? self.requestsPerDay,
            tokensPerDay: other.tokensPerDay ?? self.tokensPerDay,
            burst: other.burst ?? self.burst
        )
    }

    /// Whether the policy sets no limit at all (every request is allowed and nothing is counted).
    public var isUnlimited: Bool {
        self.requestsPerMinute == nil && self.requestsPerHour == nil && self.requestsPerDay == nil
            && self.tokensPerDay == nil && self.burst == nil
    }

    /// How many requests per minute refill the burst bucket: `requestsPerMinute`, else `burst`.
    ///
    /// At least 1, so a bucket always refills eventually (a per-minute limit of 0 refuses
    /// everything on its own anyway).
    var burstRefillPerMinute: Int64 {
        let perMinute = self.requestsPerMinute ?? self.burst ?? 1
        return Int64(Swift.max(1, perMinute))
    }
}
