/// Request and token budgets for one caller (a `limits:` mapping at the top level, under an
/// auth key or under an assistant).
///
/// A limit left out is not set here; which settings win over which is the server's to decide.
/// Every limit present is at least 1.
public struct LimitSettings: Sendable, Equatable {
    /// Requests per minute (`requests_per_minute:`).
    public var requestsPerMinute: Int?
    /// Requests per hour (`requests_per_hour:`).
    public var requestsPerHour: Int?
    /// Requests per day (`requests_per_day:`).
    public var requestsPerDay: Int?
    /// Tokens per day, prompt and completion together (`tokens_per_day:`).
    public var tokensPerDay: Int?
    /// How many requests may arrive at once above the steady rate (`burst:`).
    public var burst: Int?

    /// Whether no limit is set.
    public var isEmpty: Bool {
        self.requestsPerMinute == nil && self.requestsPerHour == nil && self.requestsPerDay == nil && self.tokensPerDay == nil
            && self.burst == nil
    }

    /// Creates limits; every one is unset by default.
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
}

extension LimitSettings {
    /// These limits with every limit `other` sets put in place of this one's: an API key's own
    /// limits override the global ones field by field.
    public func overridden(by other: LimitSettings) -> LimitSettings {
        LimitSettings(
            requestsPerMinute: other.requestsPerMinute ?? self.requestsPerMinute,
            requestsPerHour: other.requestsPerHour ?? self.requestsPerHour,
            requestsPerDay: other.requestsPerDay ?? self.requestsPerDay,
            tokensPerDay: other.tokensPerDay ?? self.tokensPerDay,
            burst: other.burst ?? self.burst
        )
    }
}
