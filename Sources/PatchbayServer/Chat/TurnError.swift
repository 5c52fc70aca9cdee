/// Why a turn was refused or failed, in words a client may see. Each door maps the code to its
/// own wire shape (the widget API's codes, OpenAI's and Anthropic's error types, …).
public struct TurnError: Error, Sendable, Equatable {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidRequest = "INVALID_REQUEST"
            case notFound = "NOT_FOUND"
            case forbidden = "FORBIDDEN"
            case rateLimited = "RATE_LIMITED"
            case providerError = "PROVIDER_ERROR"
            case providerUnavailable = "PROVIDER_UNAVAILABLE"
            case timeout = "TIMEOUT"
            case shuttingDown = "SHUTTING_DOWN"
            case streamBufferFull = "STREAM_BUFFER_FULL"
            case limitsUnavailable = "LIMITS_UNAVAILABLE"
            case internalError = "INTERNAL_ERROR"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The request cannot be served as it is.
        public static let invalidRequest = Code(.invalidRequest)
        /// No such assistant.
        public static let notFound = Code(.notFound)
        /// The caller's key may not use the assistant.
        public static let forbidden = Code(.forbidden)
        /// A limit refused the turn.
        public static let rateLimited = Code(.rateLimited)
        /// The provider answered with an error.
        public static let providerError = Code(.providerError)
        /// The provider cannot be reached, or is not configured.
        public static let providerUnavailable = Code(.providerUnavailable)
        /// The provider took too long.
        public static let timeout = Code(.timeout)
        /// The server stopped the call on its way down.
        public static let shuttingDown = Code(.shuttingDown)
        /// The server stopped the reply because its client read it too slowly and the provider
        /// could not be paused. Stored and counted under this code; clients see it as an internal error.
        public static let streamBufferFull = Code(.streamBufferFull)
        /// The rate-limit store did not answer and `limits.on_store_failure` is `deny`.
        public static let limitsUnavailable = Code(.limitsUnavailable)
        /// Anything else.
        public static let internalError = Code(.internalError)

        /// The code's stable name (`PROVIDER_ERROR`), as stored with a failed reply and used as a metric label.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let code: Code
    /// What happened, for the end user: never a key, an upstream's raw message or anything internal.
    public let message: String
    /// The request field at fault, if one is.
    public let field: String?
    /// When the client may try again, in seconds, if that is known.
    public var retryAfterSeconds: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, field: String? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The generic failure a client sees when something on our side broke.
    static let somethingWentWrong = TurnError(.internalError, "Something went wrong while answering. Please try again.")
}
