/// One key and the policy it is checked against, for an acquisition that spans several keys
/// (a caller's overall limits and its limits on one assistant, say).
public struct RateLimitCheck: Sendable, Hashable {
    /// The counters' key: see ``RateLimitKey``.
    public var key: String
    /// The limits that apply under ``key``.
    public var policy: RateLimitPolicy

    /// Creates a check.
    public init(key: String, policy: RateLimitPolicy) {
        self.key = key
        self.policy = policy
    }
}
