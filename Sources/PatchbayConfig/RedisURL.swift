import Foundation

/// A Redis connection URL, `redis://[[user]:password@]host[:port][/database]`, taken apart. Its
/// description leaves the password out, so it can be logged.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    /// The server's host.
    public var host: String
    /// The server's port (6379 when absent).
    public var port: Int
    /// The ACL user to sign in as, if the URL names one (Redis 6 and later).
    public var username: String?
    /// The password, if the URL has one.
    public var password: String?
    /// The database number (0 when absent).
    public var database: Int

    /// Creates a URL from its parts.
    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Takes a URL apart.
    /// - Throws: ``Invalid`` saying what is wrong, without repeating the URL (it may hold a password).
    public init(parsing text: String) throws(Invalid) {
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw Invalid(message: "expected a URL like redis://:password@host:6379/0")
        }
        guard scheme == "redis" else {
            let hint = scheme == "rediss" ? " (TLS to Redis is not supported; reach it over a private network or a tunnel)" : ""
            throw Invalid(message: "the scheme must be redis://, found \(scheme)://\(hint)")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(message: "the URL has no host") }
        if let port = components.port, !(1...65535).contains(port) { throw Invalid(message: "the port must be from 1 to 65535") }
        let path = components.path.drop { $0 == "/" }
        var database = 0
        if !path.isEmpty {
            guard path.utf8.count <= 5, let number = Int(path), number >= 0 else {
                throw Invalid(message: "the path must be a database number (redis://host:6379/0), found '\(path)'")
            }
            database = number
        }
        if let item = components.queryItems?.first {
            throw Invalid(message: "unknown URL parameter '\(item.name)'; none are read")
        }
        self.host = host
        self.port = components.port ?? 6379
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? components.user
        self.username = user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        self.database = database
    }

    /// The URL without its password (nor its user name).
    public var description: String {
        let host = self.host.contains(":") && !self.host.hasPrefix("[") ? "[\(self.host)]" : self.host
        return "redis://\(host):\(port)/\(database)"
    }

    /// Why a URL was refused.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }
}
