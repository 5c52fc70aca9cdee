import Foundation

/// Why an API key is out of use for a while, and until when.
struct KeyStanding: Sendable, Equatable {
    /// Why the key is out of use.
    enum Reason: String, Sendable {
        /// The upstream answered 429: the key waits out the upstream's Retry-After.
        case rateLimited = "rate_limited"
        /// The upstream answered 401: the key is wrong or revoked.
        case rejected
    }

    /// Why.
    var reason: Reason
    /// Since when.
    var since: Date
    /// Until when; the key is used again after.
    var until: Date

    /// How long a rate-limited key waits when the upstream named no time.
    static let defaultRateLimitWait: TimeInterval = 30
    /// How long a rejected key waits before it is tried again (a reload that changes it ends the wait).
    static let rejectedWait: TimeInterval = 600

    /// The standing a call's verdict gives its key, if it blames the key.
    init?(_ verdict: CallVerdict, now: Date) {
        switch verdict {
        case .keyRateLimited(let milliseconds):
            let wait = milliseconds.map { TimeInterval($0) / 1000 } ?? Self.defaultRateLimitWait
            self.init(reason: .rateLimited, since: now, until: now.addingTimeInterval(wait))
        case .keyRejected:
            self.init(reason: .rejected, since: now, until: now.addingTimeInterval(Self.rejectedWait))
        default:
            return nil
        }
    }

    init(reason: Reason, since: Date, until: Date) {
        self.reason = reason
        self.since = since
        self.until = until
    }
}
