import Foundation
import PatchbayJSON

/// The terminal error of a chat call, as the ABI's ERROR event carries it.
public struct ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ABI's error code: an open set of strings, with the ones the ABI defines as statics.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code as it appears in the JSON.
        public let rawValue: String

        /// Creates a code from its text.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// The upstream answered with an error (4xx/5xx, an error event).
        public static let providerError = Code("PROVIDER_ERROR")
        /// The upstream could not be reached or is overloaded.
        public static let providerUnavailable = Code("PROVIDER_UNAVAILABLE")
        /// A deadline passed.
        public static let timeout = Code("TIMEOUT")
        /// The request JSON was unusable by this plugin.
        public static let invalidRequest = Code("INVALID_REQUEST")
        /// The host called `chat_cancel`.
        public static let cancelled = Code("CANCELLED")
        /// Anything else.
        public static let internalError = Code("INTERNAL_ERROR")

        /// The code's text.
        public var description: String { rawValue }
    }

    /// What kind of failure it was.
    public var code: Code
    /// A message for users and operators; it must never contain a secret.
    public var message: String
    /// True when the host may retry the whole call.
    public var retryable: Bool
    /// The HTTP status the upstream sent, if any.
    public var upstreamStatus: Int?
    /// How long the upstream asked to wait (`retry-after-ms` or `Retry-After`), in milliseconds,
    /// if it said: the host cools down a rate-limited key for that long.
    public var retryAfterMilliseconds: Int?

    /// Creates an error.
    public init(code: Code, message: String, retryable: Bool = false, upstreamStatus: Int? = nil, retryAfterMilliseconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.upstreamStatus = upstreamStatus
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    /// The error a cancelled call ends with.
    public static let cancelled = ChatError(code: .cancelled, message: "the call was cancelled")

    /// Maps a transport failure to the ABI's codes:
    /// connect failures and overload statuses (429, 503, 529) are PROVIDER_UNAVAILABLE, other HTTP
    /// statuses PROVIDER_ERROR, deadlines TIMEOUT, cancellation CANCELLED.
    public init(_ error: HTTPTransportError) {
        let code: Code
        var retryable = false
        switch error.code {
        case .connectFailed:
            code = .providerUnavailable
            retryable = true
        case .connectTimeout, .firstByteTimeout:
            code = .timeout
            retryable = true
        case .idleTimeout, .totalTimeout:
            code = .timeout
        case .httpStatus:
            let status = error.status ?? 0
            code = [429, 503, 529].contains(status) ? .providerUnavailable : .providerError
            retryable = RetryPolicy.defaultRetryableStatuses.contains(status)
        case .cancelled:
            code = .cancelled
        case .transferFailed, .tlsFailed:
            code = .providerUnavailable
        default:
            code = .internalError
        }
        let wait = error.head.flatMap { RetryPolicy.retryAfter(in: $0.headers, now: Date()) }
        self.init(code: code, message: error.message, retryable: retryable, upstreamStatus: error.status,
                  retryAfterMilliseconds: wait.map { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) })
    }

    /// The ERROR event's JSON.
    public var json: String {
        var text = "{\"code\":\(JSONText.string(code.rawValue)),\"message\":\(JSONText.string(message)),\"retryable\":\(retryable)"
        if let upstreamStatus { text += ",\"upstream_status\":\(upstreamStatus)" }
        if let retryAfterMilliseconds { text += ",\"retry_after_ms\":\(retryAfterMilliseconds)" }
        return text + "}"
    }

    /// "CODE: message".
    public var description: String { "\(code): \(message)" }
}
