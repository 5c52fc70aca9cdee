/// Why a call to Redis failed.
///
/// Compare ``code`` with `==` to tell the kinds apart. Messages never hold the password of the
/// connection URL.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case timedOut
            case unavailable
            case connectionClosed
            case server
            case protocolViolation
            case clientClosed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No answer within the call's timeout (the connection is dropped and made again later).
        public static var timedOut: Self { .init(.timedOut) }
        /// The server cannot be reached: the connection (or signing in) failed, now or moments ago.
        public static var unavailable: Self { .init(.unavailable) }
        /// The connection closed before the answer came.
        public static var connectionClosed: Self { .init(.connectionClosed) }
        /// The server answered with an error reply (`-ERR …`): ``RedisError/message`` holds it.
        public static var server: Self { .init(.server) }
        /// The server sent something that is not RESP2.
        public static var protocolViolation: Self { .init(.protocolViolation) }
        /// The client was closed.
        public static var clientClosed: Self { .init(.clientClosed) }

        /// The code's name.
        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, for people.
    public let message: String
    /// The error that caused this one (a socket error, say), if any.
    public let underlyingError: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, underlyingError: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlyingError = underlyingError
    }

    /// The code, the message and the cause.
    public var description: String {
        var text = "RedisError.\(self.code): \(self.message)"
        if let underlyingError { text += " (\(underlyingError))" }
        return text
    }

    /// For an error reply: its first word (`NOSCRIPT`, `WRONGPASS`, `ERR`, …).
    public var serverErrorPrefix: String? {
        guard self.code == .server else { return nil }
        return String(self.message.prefix { $0 != " " })
    }
}
