import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A small Redis client on SwiftNIO: RESP2, one pipelined connection per event loop, made when
/// first needed and made again after the server went away, and a bounded time on every call.
///
/// Calls never wait longer than ``Configuration/timeout``: a server that is down fails them at
/// once (connection refused), one that is stalled fails them at the timeout, and for a moment
/// after either (``Configuration/reconnectDelay``) calls fail at once instead of each waiting
/// again. Error replies are thrown as ``RedisError`` with code ``RedisError/Code/server``.
///
/// As a ServiceLifecycle `Service`, ``run()`` closes the connections at graceful shutdown.
public final class RedisClient: Service, Sendable {
    /// Where Redis is, how to sign in, and how long to wait.
    public struct Configuration: Sendable, Equatable {
        /// The server's host name or address.
        public var host: String
        /// The server's port.
        public var port: Int
        /// The ACL user to sign in as (Redis 6 and later), if any.
        public var username: String?
        /// The password to sign in with (`AUTH`), if any. Never logged.
        public var password: String?
        /// The database number to `SELECT` (0 by default).
        public var database: Int
        /// The bound on every call, connecting and signing in included.
        public var timeout: Duration
        /// After a failed connection or a timeout, calls fail at once for this long before the
        /// next attempt to connect.
        public var reconnectDelay: Duration

        /// Creates a configuration.
        public init(
            host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
            timeout: Duration = .milliseconds(250), reconnectDelay: Duration = .milliseconds(500)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.timeout = timeout
            self.reconnectDelay = reconnectDelay
        }

        /// `redis://host:port/database`: where the client connects, without the password, for logs.
        public var redacted: String {
            let host = self.host.contains(":") ? "[\(self.host)]" : self.host
            return "redis://\(host):\(self.port)/\(self.database)"
        }
    }

    /// Where the client connects and how long it waits.
    public let configuration: Configuration
    private let connections: [RedisConnection]
    private let nextConnection = Atomic<Int>(0)
    private let logger: Logger

    /// Creates a client; nothing connects until the first call.
    /// - Parameters:
    ///   - eventLoopGroup: one connection is made per event loop of the group, as calls need them.
    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let gate = ReconnectGate()
        self.connections = eventLoopGroup.makeIterator().map {
            RedisConnection(eventLoop: $0, configuration: configuration, gate: gate, logger: logger)
        }
    }

    /// Sends one command, `["SET", "key", "value"]` say, and returns its reply.
    /// - Throws: ``RedisError``: an error reply (``RedisError/Code/server``), a timeout, an
    ///   unreachable server.
    @discardableResult
    public func send(_ arguments: [String]) async throws(RedisError) -> RESPValue {
        try await self.send(arguments, deadline: .now() + TimeAmount(self.configuration.timeout))
    }

    /// Runs a Lua script by its SHA-1 (`EVALSHA`), sending its source (`EVAL`) only when the server
    /// does not know it yet (`NOSCRIPT`: first use, or a server restarted or flushed since). Both
    /// steps together get one call's timeout.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws(RedisError) -> RESPValue {
        let deadline = NIODeadline.now() + TimeAmount(self.configuration.timeout)
        let tail = [String(keys.count)] + keys + arguments
        do throws(RedisError) {
            return try await self.send(["EVALSHA", script.sha1] + tail, deadline: deadline)
        } catch {
            guard error.serverErrorPrefix == "NOSCRIPT" else { throw error }
            return try await self.send(["EVAL", script.source] + tail, deadline: deadline)
        }
    }

    /// Closes every connection; later calls fail with ``RedisError/Code/clientClosed``.
    public func close() async {
        for connection in self.connections {
            try? await connection.close().get()
        }
    }

    /// Waits for graceful shutdown, then closes the connections.
    public func run() async {
        try? await gracefulShutdown()
        await self.close()
        self.logger.debug("Redis client closed", metadata: ["redis.endpoint": .string(self.configuration.redacted)])
    }

    private func send(_ arguments: [String], deadline: NIODeadline) async throws(RedisError) -> RESPValue {
        let index = self.nextConnection.add(1, ordering: .relaxed).oldValue
        let connection = self.connections[Int(index.magnitude % UInt(self.connections.count))]
        var bytes = ByteBufferAllocator().buffer(capacity: 64)
        RESP.encode(arguments, into: &bytes)
        let reply: RESPValue
        do {
            reply = try await connection.send(bytes, deadline: deadline).get()
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError(code: .connectionClosed, message: "the call to Redis failed", underlyingError: error)
        }
        if case .error(let message) = reply {
            throw RedisError(code: .server, message: message)
        }
        return reply
    }
}
