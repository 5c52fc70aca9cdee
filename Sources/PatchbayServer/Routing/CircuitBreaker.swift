import Foundation
import PatchbayConfig

/// One target's circuit breaker, as a value: closed (calls go), open (the target is skipped until
/// its cool-down ends), half-open (one probe call decides). Pure: every change takes the time as
/// an argument, so its tests need no clock and no sleep.
struct CircuitBreaker: Sendable, Equatable {
    /// Where the breaker stands.
    enum State: String, Sendable, Equatable {
        /// Calls go; failures in a row are counted.
        case closed
        /// The target is skipped until ``CircuitBreaker/retryAt``.
        case open
        /// One probe call is let through; its outcome closes or reopens the breaker.
        case halfOpen = "half_open"

        /// The `patchbay_circuit_state` gauge's value.
        var gaugeValue: Double {
            switch self {
            case .closed: 0
            case .halfOpen: 1
            case .open: 2
            }
        }
    }

    /// Whether a call may go to the target now.
    enum Admission: Sendable, Equatable {
        /// Yes, as usual.
        case call
        /// Yes, as the probe of a half-open breaker: its outcome must be recorded.
        case probe
        /// No: the breaker is open, or its probe is in flight. Try again at this time.
        case refused(retryAt: Date)
    }

    /// What a call's end says about the target.
    enum Outcome: Sendable, Equatable {
        /// The target answered.
        case success
        /// The target failed in a way that counts (unavailable, timed out, a retryable error).
        case failure(code: String)
        /// Nothing learnt (the client went away, the request was refused as invalid).
        case inconclusive
    }

    /// Where the breaker stands.
    private(set) var state: State = .closed
    /// Since when.
    private(set) var since: Date
    /// Failures in a row that counted.
    private(set) var consecutiveFailures = 0
    /// The code of the last failure that counted, if any.
    private(set) var lastErrorCode: String?
    /// When an open breaker lets a probe through.
    private(set) var retryAt: Date?
    /// Whether the half-open breaker's probe is in flight.
    private var probing = false

    /// A closed breaker.
    init(now: Date) { since = now }

    /// Whether a call may go now. A half-open breaker lets exactly one probe through; an open
    /// one whose cool-down has ended turns half-open and lets this call through as its probe.
    mutating func admit(now: Date) -> Admission {
        switch state {
        case .closed:
            return .call
        case .open:
            if let retryAt, now < retryAt { return .refused(retryAt: retryAt) }
            state = .halfOpen
            since = now
            probing = true
            return .probe
        case .halfOpen:
            // The probe's answer decides: until it comes, nothing is known about when to retry.
            if probing { return .refused(retryAt: now.addingTimeInterval(1)) }
            probing = true
            return .probe
        }
    }

    /// When a call could go, without claiming anything: nil when one may go now.
    func refusedUntil(now: Date) -> Date? {
        switch state {
        case .closed: return nil
        case .open: return retryAt.flatMap { now < $0 ? $0 : nil }
        case .halfOpen: return probing ? now.addingTimeInterval(1) : nil
        }
    }

    /// Records how a call ended. Only the probe decides a half-open breaker; the end of a call
    /// admitted before the breaker opened changes nothing but the last error.
    /// - Returns: the new state, if it changed.
    @discardableResult
    mutating func record(_ outcome: Outcome, probe: Bool, now: Date, settings: CircuitBreakerSettings) -> State? {
        switch outcome {
        case .success:
            if state == .closed {
                consecutiveFailures = 0
                return nil
            }
            guard probe, state == .halfOpen else { return nil }
            self = CircuitBreaker(now: now)
            return .closed
        case .failure(let code):
            lastErrorCode = code
            switch state {
            case .closed:
                consecutiveFailures += 1
                guard consecutiveFailures >= settings.failures else { return nil }
                open(now: now, settings: settings)
                return .open
            case .halfOpen where probe:
                consecutiveFailures += 1
                open(now: now, settings: settings)
                return .open
            case .halfOpen, .open:
                return nil
            }
        case .inconclusive:
            if probe, state == .halfOpen { probing = false }
            return nil
        }
    }

    private mutating func open(now: Date, settings: CircuitBreakerSettings) {
        state = .open
        since = now
        probing = false
        retryAt = now.addingTimeInterval(TimeInterval(settings.coolDownSeconds))
    }
}
