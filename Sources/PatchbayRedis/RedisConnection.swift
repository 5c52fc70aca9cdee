import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One pipelined connection to Redis, bound to one event loop, made when a call first needs it and
/// made again after it went away.
///
/// Everything here runs on ``eventLoop``, so the state needs no lock. A connection that failed,
/// or a call that timed out on it, closes the client's ``ReconnectGate`` for a moment: while Redis
/// is down or stalled, calls on every connection fail at once instead of each waiting out a timeout.
final class RedisConnection: Sendable {
    private enum Phase {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
        case closed
    }

    private struct State {
        var phase: Phase = .idle
        /// Counts connection attempts, so a timed-out call drops only the connection it waited on.
        var generation = 0
    }

    let eventLoop: any EventLoop
    private let configuration: RedisClient.Configuration
    private let gate: ReconnectGate
    private let logger: Logger
    private let state: NIOLoopBoundBox<State>

    init(eventLoop: any EventLoop, configuration: RedisClient.Configuration, gate: ReconnectGate, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.gate = gate
        self.logger = logger
        self.state = .makeBoxSendingValue(State(), eventLoop: eventLoop)
    }

    /// Sends one command; the reply, or a failure by `deadline`.
    func send(_ bytes: ByteBuffer, deadline: NIODeadline) -> EventLoopFuture<RESPValue> {
        self.eventLoop.flatSubmit { self.sendOnLoop(bytes, deadline: deadline) }
    }

    /// Closes the connection; every later call fails with ``RedisError/Code/clientClosed``.
    func close() -> EventLoopFuture<Void> {
        self.eventLoop.flatSubmit {
            let phase = self.state.value.phase
            self.state.value.phase = .closed
            switch phase {
            case .connected(let channel): return channel.close().recover { _ in }
            case .connecting(let future): return future.flatMap { $0.close() }.recover { _ in }
            case .idle, .closed: return self.eventLoop.makeSucceededVoidFuture()
            }
        }
    }

    private func sendOnLoop(_ bytes: ByteBuffer, deadline: NIODeadline) -> EventLoopFuture<RESPValue> {
        let reply = self.eventLoop.makePromise(of: RESPValue.self)
        let (channel, generation) = self.channel()
        let timeout = self.eventLoop.scheduleTask(deadline: deadline) {
            reply.fail(RedisError(code: .timedOut, message: "Redis did not answer in time"))
            self.drop(generation: generation)
        }
        reply.futureResult.whenComplete { _ in timeout.cancel() }
        channel.whenComplete { result in
            switch result {
            case .failure(let error): reply.fail(error)
            case .success(let channel): channel.writeAndFlush(RedisCommand(bytes: bytes, reply: reply), promise: nil)
            }
        }
        return reply.futureResult
    }

    /// The connection, made now if there is none (and none failed moments ago).
    private func channel() -> (EventLoopFuture<any Channel>, generation: Int) {
        let state = self.state.value
        switch state.phase {
        case .connected(let channel):
            return (self.eventLoop.makeSucceededFuture(channel), state.generation)
        case .connecting(let future):
            return (future, state.generation)
        case .closed:
            return (self.eventLoop.makeFailedFuture(RedisError(code: .clientClosed, message: "the Redis client is closed")), state.generation)
        case .idle where self.gate.isClosed:
            let error = RedisError(code: .unavailable, message: "Redis at \(self.configuration.redacted) was unreachable moments ago; retrying shortly")
            return (self.eventLoop.makeFailedFuture(error), state.generation)
        case .idle:
            let generation = state.generation + 1
            let future = self.connect()
            self.state.value = State(phase: .connecting(future), generation: generation)
            future.whenComplete { self.connectFinished($0, generation: generation) }
            return (future, generation)
        }
    }

    private func connectFinished(_ result: Result<any Channel, any Error>, generation: Int) {
        guard self.state.value.generation == generation, case .connecting = self.state.value.phase else {
            // Dropped (a call timed out) or closed while connecting.
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            self.state.value.phase = .connected(channel)
            self.gate.open()
            self.logger.debug("connected to Redis", metadata: ["redis.endpoint": .string(self.configuration.redacted)])
            channel.closeFuture.whenComplete { _ in
                guard self.state.value.generation == generation, case .connected = self.state.value.phase else { return }
                self.state.value.phase = .idle
            }
        case .failure(let error):
            self.state.value.phase = .idle
            self.gate.close(for: self.configuration.reconnectDelay)
            self.logger.debug("connecting to Redis failed", metadata: [
                "redis.endpoint": .string(self.configuration.redacted), "error": .string("\(error)"),
            ])
        }
    }

    /// A call timed out on connection `generation`: drop it (its replies are late, or will never
    /// come) and wait a moment before the next attempt.
    private func drop(generation: Int) {
        guard self.state.value.generation == generation else { return }
        switch self.state.value.phase {
        case .connected(let channel):
            channel.close(promise: nil)
        case .connecting(let future):
            future.whenSuccess { $0.close(promise: nil) }
        case .idle, .closed:
            return
        }
        self.state.value.phase = .idle
        self.gate.close(for: self.configuration.reconnectDelay)
        self.logger.debug("Redis did not answer in time; connection dropped", metadata: ["redis.endpoint": .string(self.configuration.redacted)])
    }

    /// Connects, signs in and selects the database, all within the call timeout.
    private func connect() -> EventLoopFuture<any Channel> {
        let timeout = TimeAmount(self.configuration.timeout)
        let connected = ClientBootstrap(group: self.eventLoop)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(RESPDecoder()), RedisCommandHandler()])
                }
            }
            .connect(host: self.configuration.host, port: self.configuration.port)
            .flatMapError { error in
                let message = "cannot connect to Redis at \(self.configuration.redacted)"
                return self.eventLoop.makeFailedFuture(RedisError(code: .unavailable, message: message, underlyingError: error))
            }
        return connected.flatMap { channel in
            self.handshake(channel, timeout: timeout)
        }
    }

    /// AUTH and SELECT as the URL asks, pipelined; the channel once both are answered.
    private func handshake(_ channel: any Channel, timeout: TimeAmount) -> EventLoopFuture<any Channel> {
        var commands: [(arguments: [String], step: String)] = []
        if let password = self.configuration.password {
            let arguments = self.configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            commands.append((arguments, "signing in"))
        }
        if self.configuration.database != 0 {
            commands.append((["SELECT", String(self.configuration.database)], "selecting database \(self.configuration.database)"))
        }
        guard !commands.isEmpty else { return self.eventLoop.makeSucceededFuture(channel) }
        // A server that accepts the connection but never answers must not hold it forever.
        let stalled = self.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        let replies = commands.map { command in
            let reply = self.eventLoop.makePromise(of: RESPValue.self)
            var bytes = channel.allocator.buffer(capacity: 64)
            RESP.encode(command.arguments, into: &bytes)
            channel.write(RedisCommand(bytes: bytes, reply: reply), promise: nil)
            return reply.futureResult.flatMapThrowing { value -> Void in
                if case .error(let message) = value {
                    // Redis's own words (WRONGPASS …, ERR DB index is out of range): never the password.
                    throw RedisError(code: .unavailable, message: "Redis refused \(command.step) at \(self.configuration.redacted): \(message)")
                }
            }
        }
        channel.flush()
        return EventLoopFuture.andAllSucceed(replies, on: self.eventLoop)
            .always { _ in stalled.cancel() }
            .flatMapError { error in channel.close().recover { _ in }.flatMapThrowing { throw error } }
            .map { channel }
    }
}

/// Shared by a client's connections: closed for a moment after a connection failed or a call timed
/// out, so that calls on any connection fail at once until then; opened by the next connection made.
final class ReconnectGate: Sendable {
    private let closedUntil = Mutex<NIODeadline?>(nil)

    /// Whether new connections wait.
    var isClosed: Bool {
        closedUntil.withLock { until in until.map { NIODeadline.now() < $0 } ?? false }
    }

    /// No new connection is tried for `delay`.
    func close(for delay: Duration) {
        closedUntil.withLock { $0 = .now() + TimeAmount(delay) }
    }

    /// A connection was made: the server answers.
    func open() {
        closedUntil.withLock { $0 = nil }
    }
}
