import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// A ``ConversationStore`` in a PostgreSQL database, through PostgresNIO's connection pool.
///
/// The same tables and semantics as ``SQLiteConversationStore``, so several Patchbay instances can
/// share one history. The pool is a ServiceLifecycle `Service`: ``run()`` must be running (in the
/// application's service group, or a test's task group) for any call to reach the database, and
/// ``migrate()`` runs the schema migrations once it is.
///
/// Every call is bounded by ``operationTimeout``: a database that went away fails the call with a
/// `.database` error instead of leaving a request waiting for the pool to reconnect. Writes are
/// carried out even if the calling task is cancelled (as in SQLite: a client that went away still
/// gets its cancelled reply recorded); reads stop with `CancellationError`.
public final class PostgresConversationStore: ConversationStore, Service {
    /// Where the database is and how to sign in.
    public struct Endpoint: Sendable, Equatable {
        /// Whether to speak TLS: like libpq's `sslmode`.
        public enum TLSMode: String, Sendable, Equatable, CaseIterable {
            /// Plain TCP.
            case disable
            /// TLS when the server offers it.
            case prefer
            /// TLS or fail.
            case require
        }

        /// The server's host name or address.
        public var host: String
        /// The server's port.
        public var port: Int
        /// The role to sign in as.
        public var username: String
        /// Its password, if the server asks for one. Never logged.
        public var password: String?
        /// The database.
        public var database: String
        /// Whether to speak TLS.
        public var tls: TLSMode

        /// Creates an endpoint.
        public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tls: TLSMode = .prefer) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
        }

        /// `postgres://user@host:port/database`: the endpoint without its password, for logs.
        public var redacted: String { "postgres://\(username)@\(host):\(port)/\(database)" }
    }

    /// How long one call may take, waiting for a connection included, before it fails.
    public let operationTimeout: Duration
    /// Where this store connects (no password).
    public let endpoint: String
    let client: PostgresClient
    let logger: Logger

    /// Creates the store and its connection pool; nothing connects until ``run()`` runs.
    /// - Parameters:
    ///   - endpoint: the database.
    ///   - operationTimeout: the bound on each call (default 10 s).
    ///   - maximumConnections: the pool's size.
    public init(endpoint: Endpoint, operationTimeout: Duration = .seconds(10), maximumConnections: Int = 10, logger: Logger) {
        let tls: PostgresClient.Configuration.TLS =
            switch endpoint.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: endpoint.host, port: endpoint.port, username: endpoint.username, password: endpoint.password,
            database: endpoint.database, tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = operationTimeout
        var logger = logger
        logger[metadataKey: "database"] = .string(endpoint.redacted)
        self.logger = logger
        self.endpoint = endpoint.redacted
        self.operationTimeout = operationTimeout
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Runs the connection pool until the task is cancelled or the service group shuts down.
    public func run() async {
        // The pool ends when its task is cancelled; graceful shutdown cancels it after the
        // services started later (the HTTP server) have drained, so replies in flight are recorded.
        await cancelWhenGracefulShutdown {
            await self.client.run()
        }
        self.logger.info("conversation store closed")
    }

    /// Runs `body` while the pool runs (for a store used outside a service group: `patchbay migrate`,
    /// tests), then stops the pool.
    public func withPoolRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Connects, runs the schema migrations the database has not run yet (in one transaction) and
    /// disconnects: what `patchbay serve` does before it listens, and `patchbay migrate`.
    /// - Returns: the names of the migrations it ran.
    @discardableResult
    public static func migrate(endpoint: Endpoint, operationTimeout: Duration = .seconds(30), logger: Logger) async throws -> [String] {
        let store = PostgresConversationStore(endpoint: endpoint, operationTimeout: operationTimeout, maximumConnections: 1, logger: logger)
        return try await store.withPoolRunning { try await store.migrate() }
    }

    /// Runs the schema migrations this database has not run yet (in one transaction); needs the pool running.
    /// - Returns: the names of the migrations it ran.
    @discardableResult
    public func migrate() async throws -> [String] {
        let ran = try await self.bounded("run the database migrations", write: true) { [client = self.client, logger = self.logger] in
            try await PostgresSchema.migrate(client, logger: logger)
        }
        if !ran.isEmpty {
            self.logger.info("applied database migrations", metadata: ["migrations": .string(ran.joined(separator: ","))])
        }
        return ran
    }

    /// The migrations this database has run, in the order they were declared.
    func appliedMigrations() async throws -> [String] {
        let applied = try await PostgresSchema.applied(self.client, logger: self.logger)
        return PostgresSchema.migrationNames.filter(applied.contains)
    }
}
