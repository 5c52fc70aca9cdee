/// An error from a ``RateLimitStore`` that could not answer (a shared store that is down, say).
///
/// ``InProcessRateLimitStore`` never throws. When a store fails, the server chooses between
/// refusing the request (fail closed, which protects the provider budget) and letting it through
/// (fail open, which protects availability).
///
/// Compare ``code`` with `==` to tell the kinds apart:
/// ```swift
/// catch let error as RateLimitStoreError where error.code == .unavailable { ... }
/// ```
public struct RateLimitStoreError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case unavailable
            case timeout
            case invalidResponse
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The store could not be reached (connection refused, closed, not yet connected, ...).
        public static var unavailable: Self { .init(.unavailable) }
        /// The store did not answer in time.
        public static var timeout: Self { .init(.timeout) }
        /// The store answered something this client does not understand (corrupt or foreign data).
        public static var invalidResponse: Self { .init(.invalidResponse) }

        /// The code's name.
        public var description: String {
            switch self.base {
            case .unavailable: "unavailable"
            case .timeout: "timeout"
            case .invalidResponse: "invalidResponse"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, for people.
    public let message: String
    /// The error that caused this one, if any (a client library's error, say).
    public let underlyingError: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, underlyingError: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlyingError = underlyingError
    }

    /// The code, the message, and the cause.
    public var description: String {
        var text = "RateLimitStoreError.\(self.code): \(self.message)"
        if let underlyingError {
            text += " (\(underlyingError))"
        }
        return text
    }
}
