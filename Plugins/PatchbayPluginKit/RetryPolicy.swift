import Foundation

/// What a ``RetryPolicy`` decided after a failed attempt.
public enum RetryDecision: Sendable, Equatable {
    /// Try again after this wait.
    case retry(after: Duration)
    /// Stop, and report the failure.
    case giveUp(GiveUpReason)

    /// Why a ``RetryPolicy`` stopped retrying.
    public enum GiveUpReason: Sendable, Equatable {
        /// Something was already sent to the client: a retry would repeat it.
        case clientHasOutput
        /// The failure is not one worth retrying.
        case notRetryable
        /// `maxRetries` retries have been made.
        case retriesExhausted
        /// The wait would end past the overall deadline.
        case deadlineExceeded
        /// The server asked for a wait longer than `maxRetryAfter`.
        case retryAfterTooLong
    }
}

/// When and how long to wait before retrying an upstream request: exponential backoff with
/// full jitter, a per-provider `maxRetries`, and an overall deadline.
///
/// A pure value: ``decide(after:retriesSoFar:elapsed:clientHasOutput:now:using:)`` depends only
/// on its arguments, randomness included (inject a generator to make it deterministic).
///
/// Retryable: connect failures, the connect timeout, and the statuses in `retryableStatuses`
/// (408, 429, 500, 502, 503, 504, 529 by default). A `retry-after-ms` or `Retry-After`
/// (seconds or HTTP-date) header sets the wait instead of the backoff. Nothing is retried once
/// the client has been sent anything.
public struct RetryPolicy: Sendable, Equatable {
    /// The statuses retried by default.
    public static let defaultRetryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504, 529]

    /// How many retries after the first attempt (0 disables retries).
    public var maxRetries: Int
    /// The backoff ceiling of the first retry; it doubles with each retry.
    public var baseDelay: Duration
    /// The largest backoff ceiling.
    public var maxDelay: Duration
    /// How long all attempts and waits together may take, from the first attempt's start;
    /// `nil` for no limit.
    public var overallDeadline: Duration?
    /// The longest server-requested wait (Retry-After) the policy accepts.
    public var maxRetryAfter: Duration
    /// HTTP statuses worth retrying.
    public var retryableStatuses: Set<Int>

    /// Creates a policy.
    public init(
        maxRetries: Int = 2,
        baseDelay: Duration = .milliseconds(250),
        maxDelay: Duration = .seconds(8),
        overallDeadline: Duration? = .seconds(60),
        maxRetryAfter: Duration = .seconds(60),
        retryableStatuses: Set<Int> = RetryPolicy.defaultRetryableStatuses
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.overallDeadline = overallDeadline
        self.maxRetryAfter = maxRetryAfter
        self.retryableStatuses = retryableStatuses
    }

    /// A policy that never retries.
    public static let never = RetryPolicy(maxRetries: 0)

    /// True if `error` is worth another attempt.
    public func isRetryable(_ error: HTTPTransportError) -> Bool {
        switch error.code {
        case .connectFailed, .connectTimeout:
            return true
        case .httpStatus:
            return error.status.map(retryableStatuses.contains) ?? false
        default:
            return false
        }
    }

    /// The backoff ceiling before retry number `retry` (0 for the first retry):
    /// `min(maxDelay, baseDelay * 2^retry)`. Full jitter draws the wait from `0 ..< ceiling`.
    public func backoffCeiling(forRetry retry: Int) -> Duration {
        let base = Self.nanoseconds(baseDelay)
        let cap = Self.nanoseconds(maxDelay)
        let shift = min(max(retry, 0), 62)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << shift)
        return .nanoseconds(overflow || scaled > cap ? cap : scaled)
    }

    /// Decides what to do after a failed attempt.
    ///
    /// - Parameters:
    ///   - error: why the attempt failed (``HTTPTransportError/httpStatus(_:message:)`` for a
    ///     status; its head's headers are searched for Retry-After).
    ///   - retriesSoFar: retries already made (0 after the first attempt fails).
    ///   - elapsed: time since the first attempt started.
    ///   - clientHasOutput: true once anything (a delta) has been sent to the client.
    ///   - now: the wall clock, for an HTTP-date Retry-After.
    ///   - random: the source of jitter.
    public func decide(
        after error: HTTPTransportError,
        retriesSoFar: Int,
        elapsed: Duration,
        clientHasOutput: Bool,
        now: Date = Date(),
        using random: inout some RandomNumberGenerator
    ) -> RetryDecision {
        if clientHasOutput { return .giveUp(.clientHasOutput) }
        guard isRetryable(error) else { return .giveUp(.notRetryable) }
        guard retriesSoFar < maxRetries else { return .giveUp(.retriesExhausted) }

        let wait: Duration
        if let headers = error.head?.headers, let requested = Self.retryAfter(in: headers, now: now) {
            guard requested <= maxRetryAfter else { return .giveUp(.retryAfterTooLong) }
            wait = requested
        } else {
            let ceiling = Self.nanoseconds(backoffCeiling(forRetry: retriesSoFar))
            // Full jitter: uniform in [0, ceiling), from the generator's top 53 bits.
            let fraction = Double(random.next() >> 11) * 0x1p-53
            wait = .nanoseconds(Int64(Double(ceiling) * fraction))
        }
        if let overallDeadline, elapsed + wait >= overallDeadline {
            return .giveUp(.deadlineExceeded)
        }
        return .retry(after: wait)
    }

    /// Decides with the system's random generator.
    public func decide(
        after error: HTTPTransportError,
        retriesSoFar: Int,
        elapsed: Duration,
        clientHasOutput: Bool,
        now: Date = Date()
    ) -> RetryDecision {
        var generator = SystemRandomNumberGenerator()
        return decide(after: error, retriesSoFar: retriesSoFar, elapsed: elapsed, clientHasOutput: clientHasOutput, now: now, using: &generator)
    }

    /// The wait a response asks for: `retry-after-ms` (milliseconds, fractions allowed) first,
    /// then `Retry-After` as delay-seconds or an HTTP-date (a date in the past means no wait).
    /// `nil` if neither header is present and valid.
    public static func retryAfter(in headers: HTTPHeaders, now: Date) -> Duration? {
        if let text = headers["retry-after-ms"], let milliseconds = Double(text.trimmingWhitespace()),
           milliseconds.isFinite, milliseconds >= 0, milliseconds < 1e12 {
            return .nanoseconds(Int64(milliseconds * 1_000_000))
        }
        guard let text = headers["retry-after"]?.trimmingWhitespace(), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            guard let seconds = Int64(text), seconds < 1_000_000_000 else { return .seconds(1_000_000_000) }
            return .seconds(seconds)
        }
        guard let date = HTTPDate.parse(text) else { return nil }
        let seconds = date.timeIntervalSince(now)
        guard seconds > 0 else { return .zero }
        return .nanoseconds(Int64(min(seconds, 1e9) * 1e9))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        return max(0, scaled + attoseconds / 1_000_000_000)
    }
}

/// HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses an HTTP-date, always in GMT; `nil` if it is not one.
    ///
    /// - "Sun, 06 Nov 1994 08:49:37 GMT" (IMF-fixdate)
    /// - "Sunday, 06-Nov-94 08:49:37 GMT" (RFC 850; a two-digit year is 1970–2069)
    /// - "Sun Nov  6 08:49:37 1994" (asctime)
    public static func parse(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }).map(String.init)
        var day: Int?, month: Int?, year: Int?, time: (Int, Int, Int)?
        for (index, token) in tokens.enumerated() {
            let lower = token.lowercased()
            if index == 0, lower.count >= 3, lower.allSatisfy(\.isLetter) { continue }  // the weekday
            if let m = months.firstIndex(of: lower) {
                month = m + 1
            } else if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if lower == "gmt" {
                continue
            } else if let number = Int(token), token.allSatisfy(\.isNumber) {
                if token.count == 4, year == nil {
                    year = number
                } else if day == nil, token.count <= 2 {
                    day = number
                } else if token.count == 2, year == nil {
                    year = number < 70 ? 2000 + number : 1900 + number
                } else {
                    return nil
                }
            } else {
                return nil
            }
        }
        guard let day, let month, let year, let (hour, minute, second) = time,
              (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
