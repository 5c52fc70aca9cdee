import PatchbayPluginHost

/// What the end of one provider call says for routing: whether the turn may try another key or
/// target, and what it tells the target's circuit breaker and the key's standing.
enum CallVerdict: Sendable, Equatable {
    /// The target answered: a reply, or an error about the request itself (a 400).
    case answered
    /// The upstream refused the key for now (429); wait this long, if it said.
    case keyRateLimited(retryAfterMilliseconds: Int?)
    /// The upstream refused the key (401).
    case keyRejected
    /// The target failed in a way another target may not: unavailable, timed out, or a retryable error.
    case targetFailed(code: String)
    /// Nothing learnt: the call was cancelled, refused as invalid, or broke on our side.
    case inconclusive

    /// How a call ended: done (`failure` nil and `finished`), failed, or neither (cancelled).
    init(failure: PluginFailure?, finished: Bool) {
        guard let failure else {
            self = finished ? .answered : .inconclusive
            return
        }
        switch (failure.upstreamStatus, failure.code) {
        case (429, _): self = .keyRateLimited(retryAfterMilliseconds: failure.retryAfterMilliseconds)
        case (401, _): self = .keyRejected
        case (_, .providerUnavailable), (_, .timeout): self = .targetFailed(code: failure.code.rawValue)
        case (_, .providerError): self = failure.retryable ? .targetFailed(code: failure.code.rawValue) : .answered
        default: self = .inconclusive
        }
    }

    /// Whether the turn may try another key or target, when this happened before any text.
    var triesElsewhere: Bool {
        switch self {
        case .keyRateLimited, .keyRejected, .targetFailed: true
        case .answered, .inconclusive: false
        }
    }

    /// Whether the failure was the key's: the same target may answer with another key.
    var blamesKey: Bool {
        switch self {
        case .keyRateLimited, .keyRejected: true
        default: false
        }
    }

    /// What the target's circuit breaker learns. A key's refusal says nothing about the target.
    var breakerOutcome: CircuitBreaker.Outcome {
        switch self {
        case .answered: .success
        case .targetFailed(let code): .failure(code: code)
        case .keyRateLimited, .keyRejected, .inconclusive: .inconclusive
        }
    }
}
