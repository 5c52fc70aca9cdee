import Foundation
import SeededRandom
import Testing

@testable import PatchbayPluginKit

private func status(_ code: Int, _ headers: HTTPHeaders = [:]) -> HTTPTransportError {
    .httpStatus(HTTPResponseHead(status: code, headers: headers))
}

private let connectFailed = HTTPTransportError(code: .connectFailed, message: "refused")

/// 1994-11-06 08:49:37 GMT, the RFC's example date.
private let rfcDate = Date(timeIntervalSince1970: 784_111_777)

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("retryable failures", arguments: [408, 429, 500, 502, 503, 504, 529])
    func retryableStatuses(_ code: Int) {
        #expect(RetryPolicy().isRetryable(status(code)))
    }

    @Test("failures not retried", arguments: [400, 401, 403, 404, 409, 413, 422, 501, 505])
    func nonRetryableStatuses(_ code: Int) {
        #expect(!RetryPolicy().isRetryable(status(code)))
    }

    @Test("transport failures: connect errors and connect timeouts only")
    func transportCodes() {
        let policy = RetryPolicy()
        #expect(policy.isRetryable(connectFailed))
        #expect(policy.isRetryable(HTTPTransportError(code: .connectTimeout, message: "")))
        for code: HTTPTransportError.Code in [.firstByteTimeout, .idleTimeout, .totalTimeout, .transferFailed, .tlsFailed, .cancelled, .shutdown, .invalidRequest] {
            #expect(!policy.isRetryable(HTTPTransportError(code: code, message: "")), "\(code)")
        }
    }

    @Test("backoff ceiling doubles up to maxDelay")
    func ceiling() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .milliseconds(1000))
        #expect(policy.backoffCeiling(forRetry: 0) == .milliseconds(100))
        #expect(policy.backoffCeiling(forRetry: 1) == .milliseconds(200))
        #expect(policy.backoffCeiling(forRetry: 3) == .milliseconds(800))
        #expect(policy.backoffCeiling(forRetry: 4) == .milliseconds(1000))
        #expect(policy.backoffCeiling(forRetry: 500) == .milliseconds(1000))
    }

    @Test("full jitter draws from [0, ceiling) with the injected generator")
    func fullJitter() {
        let policy = RetryPolicy(maxRetries: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(10), overallDeadline: nil)
        func wait(_ value: UInt64, retry: Int) -> RetryDecision {
            var generator = FixedGenerator(value)
            return policy.decide(after: connectFailed, retriesSoFar: retry, elapsed: .zero, clientHasOutput: false, using: &generator)
        }
        #expect(wait(0, retry: 0) == .retry(after: .zero))
        #expect(wait(1 << 63, retry: 0) == .retry(after: .milliseconds(50)))
        #expect(wait(1 << 63, retry: 2) == .retry(after: .milliseconds(200)))
        guard case .retry(let almost) = wait(.max, retry: 1) else {
            Issue.record("expected a retry")
            return
        }
        #expect(almost < .milliseconds(200))
        #expect(almost > .milliseconds(199))
    }

    @Test("the same seed gives the same waits; waits stay under their ceiling")
    func deterministic() {
        let policy = RetryPolicy(maxRetries: 10, baseDelay: .milliseconds(50), maxDelay: .seconds(2), overallDeadline: nil)
        func run(seed: UInt64) -> [RetryDecision] {
            var generator = SeededGenerator(seed: seed)
            return (0..<8).map { policy.decide(after: status(503), retriesSoFar: $0, elapsed: .zero, clientHasOutput: false, using: &generator) }
        }
        let first = run(seed: 7)
        #expect(first == run(seed: 7))
        #expect(first != run(seed: 8))
        for (retry, decision) in first.enumerated() {
            guard case .retry(let wait) = decision else {
                Issue.record("expected a retry")
                continue
            }
            #expect(wait >= .zero && wait < policy.backoffCeiling(forRetry: retry))
        }
    }

    @Test("no retry once anything reached the client")
    func noRetryAfterOutput() {
        var generator = FixedGenerator(0)
        let decision = RetryPolicy().decide(after: status(503), retriesSoFar: 0, elapsed: .zero, clientHasOutput: true, using: &generator)
        #expect(decision == .giveUp(.clientHasOutput))
    }

    @Test("not retryable and retries exhausted")
    func giveUps() {
        var generator = FixedGenerator(0)
        let policy = RetryPolicy(maxRetries: 2)
        #expect(policy.decide(after: status(400), retriesSoFar: 0, elapsed: .zero, clientHasOutput: false, using: &generator) == .giveUp(.notRetryable))
        #expect(policy.decide(after: status(503), retriesSoFar: 1, elapsed: .zero, clientHasOutput: false, using: &generator) == .retry(after: .zero))
        #expect(policy.decide(after: status(503), retriesSoFar: 2, elapsed: .zero, clientHasOutput: false, using: &generator) == .giveUp(.retriesExhausted))
        #expect(RetryPolicy.never.decide(after: status(503), retriesSoFar: 0, elapsed: .zero, clientHasOutput: false, using: &generator) == .giveUp(.retriesExhausted))
    }

    @Test("Retry-After in seconds sets the wait")
    func retryAfterSeconds() {
        var generator = FixedGenerator(0)
        let decision = RetryPolicy().decide(after: status(429, ["Retry-After": "3"]), retriesSoFar: 0, elapsed: .zero, clientHasOutput: false, using: &generator)
        #expect(decision == .retry(after: .seconds(3)))
    }

    @Test("Retry-After as an HTTP-date, relative to now")
    func retryAfterDate() {
        var generator = FixedGenerator(0)
        let now = rfcDate.addingTimeInterval(-5)
        let decision = RetryPolicy().decide(
            after: status(503, ["Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"]),
            retriesSoFar: 0, elapsed: .zero, clientHasOutput: false, now: now, using: &generator)
        #expect(decision == .retry(after: .seconds(5)))
        // A date in the past: no wait.
        #expect(RetryPolicy.retryAfter(in: ["Retry-After": "Sun, 06 Nov 1994 08:49:37 GMT"], now: rfcDate.addingTimeInterval(60)) == .zero)
    }

    @Test("retry-after-ms wins over Retry-After")
    func retryAfterMilliseconds() {
        #expect(RetryPolicy.retryAfter(in: ["retry-after-ms": "1500", "Retry-After": "9"], now: rfcDate) == .milliseconds(1500))
        #expect(RetryPolicy.retryAfter(in: ["Retry-After-Ms": "12.5"], now: rfcDate) == .microseconds(12500))
        #expect(RetryPolicy.retryAfter(in: ["retry-after-ms": "soon", "Retry-After": "2"], now: rfcDate) == .seconds(2))
    }

    @Test("an invalid Retry-After falls back to backoff")
    func invalidRetryAfter() {
        #expect(RetryPolicy.retryAfter(in: ["Retry-After": "later"], now: rfcDate) == nil)
        #expect(RetryPolicy.retryAfter(in: ["Retry-After": "-1"], now: rfcDate) == nil)
        #expect(RetryPolicy.retryAfter(in: [:], now: rfcDate) == nil)
        var generator = FixedGenerator(1 << 63)
        let policy = RetryPolicy(baseDelay: .milliseconds(100))
        #expect(policy.decide(after: status(503, ["Retry-After": "later"]), retriesSoFar: 0, elapsed: .zero, clientHasOutput: false, using: &generator) == .retry(after: .milliseconds(50)))
    }

    @Test("a wait that would pass the overall deadline is not taken")
    func deadlineCap() {
        var generator = FixedGenerator(0)
        let policy = RetryPolicy(maxRetries: 5, overallDeadline: .seconds(10))
        #expect(policy.decide(after: status(429, ["Retry-After": "2"]), retriesSoFar: 0, elapsed: .seconds(9), clientHasOutput: false, using: &generator) == .giveUp(.deadlineExceeded))
        #expect(policy.decide(after: status(429, ["retry-after-ms": "500"]), retriesSoFar: 0, elapsed: .seconds(9), clientHasOutput: false, using: &generator) == .retry(after: .milliseconds(500)))
        // Backoff is capped the same way.
        var high = FixedGenerator(.max)
        let tight = RetryPolicy(maxRetries: 5, baseDelay: .seconds(4), overallDeadline: .seconds(10))
        #expect(tight.decide(after: connectFailed, retriesSoFar: 0, elapsed: .seconds(7), clientHasOutput: false, using: &high) == .giveUp(.deadlineExceeded))
        #expect(tight.decide(after: connectFailed, retriesSoFar: 0, elapsed: .seconds(5), clientHasOutput: false, using: &high) != .giveUp(.deadlineExceeded))
    }

    @Test("a Retry-After beyond maxRetryAfter gives up")
    func retryAfterTooLong() {
        var generator = FixedGenerator(0)
        let policy = RetryPolicy(overallDeadline: nil, maxRetryAfter: .seconds(30))
        #expect(policy.decide(after: status(503, ["Retry-After": "3600"]), retriesSoFar: 0, elapsed: .zero, clientHasOutput: false, using: &generator) == .giveUp(.retryAfterTooLong))
    }

    @Test("HTTP-date: the three forms of RFC 9110")
    func httpDates() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == rfcDate)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == rfcDate)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == rfcDate)
        #expect(HTTPDate.parse("Thu, 01 Jan 1970 00:00:00 GMT") == Date(timeIntervalSince1970: 0))
        #expect(HTTPDate.parse("Tue, 29 Feb 2028 23:59:59 GMT") == Date(timeIntervalSince1970: 1_835_481_599))
        #expect(HTTPDate.parse("not a date") == nil)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 25:49:37 GMT") == nil)
        #expect(HTTPDate.parse("Sun, 06 Foo 1994 08:49:37 GMT") == nil)
    }
}
