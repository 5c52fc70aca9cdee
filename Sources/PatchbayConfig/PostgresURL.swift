import Foundation

/// A PostgreSQL connection URL, `postgres://user:password@host:port/database?sslmode=disable|prefer|require`,
/// taken apart. Its description leaves the password out, so it can be logged.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// The TLS modes accepted in `sslmode` (libpq's names; `prefer` when absent).
    public static let sslModes = ["disable", "prefer", "require"]

    /// The server's host.
    public var host: String
    /// The server's port (5432 when absent).
    public var port: Int
    /// The role to sign in as.
    public var username: String
    /// Its password, if the URL has one.
    public var password: String?
    /// The database.
    public var database: String
    /// `sslmode`: one of ``sslModes``.
    public var sslMode: String

    /// Creates a URL from its parts.
    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, sslMode: String = "prefer") {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Takes a URL apart.
    /// - Throws: ``Invalid`` saying what is wrong, without repeating the URL (it may hold a password).
    public init(parsing text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw Invalid(message: "expected a URL like postgres://user:password@host:5432/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw Invalid(message: "the scheme must be postgres:// or postgresql://, found \(scheme)://")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(message: "the URL has no host") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(message: "the URL has no user name (postgres://USER@host/database)") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw Invalid(message: "the URL must name one database: postgres://user@host/DATABASE") }
        var sslMode = "prefer"
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else { throw Invalid(message: "unknown URL parameter '\(item.name)'; only sslmode is read") }
            guard let value = item.value, Self.sslModes.contains(value) else {
                throw Invalid(message: "sslmode must be one of \(Self.sslModes.joined(separator: ", ")), found '\(item.value ?? "")'")
            }
            sslMode = value
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = sslMode
    }

    /// The URL without its password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// Why a URL was refused.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }
}
