import PatchbayRateLimit
import Synchronization

/// Who a request's caller is and what the rate limiter decided for it, shared by every copy of
/// the request's context: the outer rate-limit middleware reads what the auth middleware and the
/// chat route learned further in.
public final class CallerRecord: Sendable {
    private struct State {
        var address = "unknown"
        var apiKey: AuthenticatedKey?
        var decision: RateLimitDecision?
    }

    private let state = Mutex(State())

    /// Creates a record for an unidentified caller.
    public init() {}

    /// The client's address (after trusted proxies), or `unknown`.
    public var address: String {
        get { state.withLock { $0.address } }
        set { state.withLock { $0.address = newValue } }
    }

    /// The API key the caller presented, once authenticated.
    public var apiKey: AuthenticatedKey? {
        get { state.withLock { $0.apiKey } }
        set { state.withLock { $0.apiKey = newValue } }
    }

    /// The decision of a request that was counted (a chat turn); nil for one that was not.
    public var decision: RateLimitDecision? {
        get { state.withLock { $0.decision } }
        set { state.withLock { $0.decision = newValue } }
    }

    /// The key rate-limit counters are kept under: the API key's id, else the address.
    public var key: String {
        state.withLock { RateLimitKey.caller(apiKeyID: $0.apiKey?.id, clientAddress: $0.address) }
    }
}
