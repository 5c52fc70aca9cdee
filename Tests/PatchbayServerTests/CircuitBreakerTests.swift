import Foundation
import PatchbayConfig
import PatchbayPluginHost
import Testing

@testable import PatchbayServer

/// The circuit breaker's state machine, with the time given by hand.
@Suite("Circuit breaker")
struct CircuitBreakerTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let settings = CircuitBreakerSettings(failures: 3, coolDownSeconds: 30)
    static let failure = CircuitBreaker.Outcome.failure(code: "TIMEOUT")

    static func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    @Test("closed → open after N failures in a row; a success in between starts the count again")
    func opens() {
        var breaker = CircuitBreaker(now: Self.start)
        #expect(breaker.record(Self.failure, probe: false, now: Self.at(1), settings: Self.settings) == nil)
        #expect(breaker.record(Self.failure, probe: false, now: Self.at(2), settings: Self.settings) == nil)
        #expect(breaker.record(.success, probe: false, now: Self.at(3), settings: Self.settings) == nil)
        #expect(breaker.consecutiveFailures == 0)
        for second in 4...5 { breaker.record(Self.failure, probe: false, now: Self.at(TimeInterval(second)), settings: Self.settings) }
        #expect(breaker.state == .closed)
        #expect(breaker.admit(now: Self.at(5)) == .call)
        #expect(breaker.record(Self.failure, probe: false, now: Self.at(6), settings: Self.settings) == .open)
        #expect(breaker.state == .open)
        #expect(breaker.since == Self.at(6))
        #expect(breaker.lastErrorCode == "TIMEOUT")
        #expect(breaker.retryAt == Self.at(36))
    }

    @Test("open refuses until the cool-down ends; then exactly one probe goes; its success closes")
    func probeCloses() {
        var breaker = CircuitBreaker(now: Self.start)
        for _ in 0..<3 { breaker.record(Self.failure, probe: false, now: Self.start, settings: Self.settings) }
        #expect(breaker.admit(now: Self.at(29)) == .refused(retryAt: Self.at(30)))
        #expect(breaker.refusedUntil(now: Self.at(29)) == Self.at(30))
        #expect(breaker.refusedUntil(now: Self.at(30)) == nil)
        #expect(breaker.admit(now: Self.at(30)) == .probe)
        #expect(breaker.state == .halfOpen)
        // The probe is in flight: nothing else goes.
        #expect(breaker.admit(now: Self.at(31)) == .refused(retryAt: Self.at(32)))
        // A call admitted before the breaker opened ends well: it does not decide.
        #expect(breaker.record(.success, probe: false, now: Self.at(32), settings: Self.settings) == nil)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.record(.success, probe: true, now: Self.at(33), settings: Self.settings) == .closed)
        #expect(breaker.state == .closed)
        #expect(breaker.since == Self.at(33))
        #expect(breaker.admit(now: Self.at(33)) == .call)
    }

    @Test("a failed probe opens again for a full cool-down; an inconclusive one lets the next call probe")
    func probeFails() {
        var breaker = CircuitBreaker(now: Self.start)
        for _ in 0..<3 { breaker.record(Self.failure, probe: false, now: Self.start, settings: Self.settings) }
        #expect(breaker.admit(now: Self.at(40)) == .probe)
        #expect(breaker.record(.inconclusive, probe: true, now: Self.at(41), settings: Self.settings) == nil)
        #expect(breaker.admit(now: Self.at(42)) == .probe, "the client went away: another call may probe")
        #expect(breaker.record(.failure(code: "PROVIDER_UNAVAILABLE"), probe: true, now: Self.at(43), settings: Self.settings) == .open)
        #expect(breaker.retryAt == Self.at(73))
        #expect(breaker.lastErrorCode == "PROVIDER_UNAVAILABLE")
        #expect(breaker.admit(now: Self.at(72)) == .refused(retryAt: Self.at(73)))
    }

    @Test("what a call's end tells the routing", arguments: [
        (PluginFailure(code: .providerUnavailable, message: "", retryable: true, upstreamStatus: 503), CallVerdict.targetFailed(code: "PROVIDER_UNAVAILABLE")),
        (PluginFailure(code: .timeout, message: ""), .targetFailed(code: "TIMEOUT")),
        (PluginFailure(code: .providerError, message: "", retryable: true, upstreamStatus: 500), .targetFailed(code: "PROVIDER_ERROR")),
        (PluginFailure(code: .providerError, message: "", retryable: false, upstreamStatus: 400), .answered),
        (PluginFailure(code: .providerUnavailable, message: "", retryable: true, upstreamStatus: 429, retryAfterMilliseconds: 2500),
         .keyRateLimited(retryAfterMilliseconds: 2500)),
        (PluginFailure(code: .providerError, message: "", upstreamStatus: 401), .keyRejected),
        (PluginFailure(code: .invalidRequest, message: ""), .inconclusive),
        (PluginFailure(code: .cancelled, message: ""), .inconclusive),
    ] as [(PluginFailure, CallVerdict)])
    func verdicts(failure: PluginFailure, verdict: CallVerdict) {
        #expect(CallVerdict(failure: failure, finished: false) == verdict)
        #expect(CallVerdict(failure: nil, finished: true) == .answered)
        #expect(CallVerdict(failure: nil, finished: false) == .inconclusive)
    }

    @Test("the error event's retry_after_ms is read; a wrong type loses only it")
    func retryAfterDecoded() throws {
        let failure = try #require(PluginFailure(eventJSON:
            #"{"code":"PROVIDER_UNAVAILABLE","message":"m","upstream_status":429,"retry_after_ms":1500}"#.utf8))
        #expect(failure.retryAfterMilliseconds == 1500)
        #expect(CallVerdict(failure: failure, finished: false) == .keyRateLimited(retryAfterMilliseconds: 1500))
        let odd = try #require(PluginFailure(eventJSON: #"{"code":"PROVIDER_UNAVAILABLE","message":"m","retry_after_ms":"soon"}"#.utf8))
        #expect(odd.retryAfterMilliseconds == nil)
        #expect(odd.code == .providerUnavailable)
    }

    @Test("a key's cool-down: the upstream's Retry-After, 30 s without one, 10 minutes when rejected")
    func keyStanding() {
        #expect(KeyStanding(.keyRateLimited(retryAfterMilliseconds: 2500), now: Self.start)?.until == Self.at(2.5))
        #expect(KeyStanding(.keyRateLimited(retryAfterMilliseconds: nil), now: Self.start)?.until == Self.at(30))
        #expect(KeyStanding(.keyRejected, now: Self.start) == KeyStanding(reason: .rejected, since: Self.start, until: Self.at(600)))
        #expect(KeyStanding(.targetFailed(code: "TIMEOUT"), now: Self.start) == nil)
    }
}
