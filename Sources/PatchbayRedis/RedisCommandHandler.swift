import NIOCore

/// A command on its way out: its encoded bytes, and the promise its reply completes.
struct RedisCommand: Sendable {
    var bytes: ByteBuffer
    var reply: EventLoopPromise<RESPValue>
}

/// Pipelining on one connection: Redis answers commands in the order it received them, so each
/// reply completes the oldest promise still waiting.
///
/// When the connection ends or breaks, every promise still waiting fails with it.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisCommand
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>(initialCapacity: 16)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = Self.unwrapOutboundIn(data)
        self.waiting.append(command.reply)
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.whenFailure { [context = NIOLoopBound(context, eventLoop: context.eventLoop)] error in
            // A command that did not go out leaves the replies out of step: end the connection.
            command.reply.fail(RedisError(code: .connectionClosed, message: "the command could not be sent", underlyingError: error))
            context.value.close(promise: nil)
        }
        context.write(Self.wrapOutboundOut(command.bytes), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = Self.unwrapInboundIn(data)
        guard let reply = self.waiting.popFirst() else {
            context.fireErrorCaught(RedisError(code: .protocolViolation, message: "the server sent a reply nobody asked for"))
            return
        }
        reply.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(RedisError(code: .connectionClosed, message: "the connection to Redis closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure = error as? RedisError ?? RedisError(code: .connectionClosed, message: "the connection to Redis failed", underlyingError: error)
        self.failAll(failure)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        while let reply = self.waiting.popFirst() {
            reply.fail(error)
        }
    }
}
