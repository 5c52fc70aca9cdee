/// An error from a ``ConversationStore``.
///
/// Compare ``code`` with `==` to tell the kinds apart:
/// ```swift
/// catch let error as StorageError where error.code == .conflict { ... }
/// ```
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case notFound
            case conflict
            case invalidArgument
            case database
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The conversation does not exist.
        public static var notFound: Self { .init(.notFound) }
        /// A conversation with that id already exists.
        public static var conflict: Self { .init(.conflict) }
        /// An argument was out of range or malformed; nothing was changed.
        public static var invalidArgument: Self { .init(.invalidArgument) }
        /// The database failed (I/O, corruption, a closed store, ...): see ``StorageError/underlyingError``.
        public static var database: Self { .init(.database) }

        /// The code's name.
        public var description: String {
            switch self.base {
            case .notFound: "notFound"
            case .conflict: "conflict"
            case .invalidArgument: "invalidArgument"
            case .database: "database"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, for people.
    public let message: String
    /// The error that caused this one, if any (a GRDB `DatabaseError`, say).
    public let underlyingError: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, underlyingError: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlyingError = underlyingError
    }

    /// The code, the message, and the cause.
    public var description: String {
        var text = "StorageError.\(self.code): \(self.message)"
        if let underlyingError {
            text += " (\(underlyingError))"
        }
        return text
    }

    static func notFound(conversationID: String) -> Self {
        .init(code: .notFound, message: "conversation '\(conversationID)' does not exist")
    }

    static func invalidArgument(_ message: String) -> Self {
        .init(code: .invalidArgument, message: message)
    }

    static func database(_ message: String, _ underlyingError: (any Error)? = nil) -> Self {
        .init(code: .database, message: message, underlyingError: underlyingError)
    }
}
