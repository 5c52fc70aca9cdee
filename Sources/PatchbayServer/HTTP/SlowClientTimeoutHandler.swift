import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Cuts off clients that send too slowly: a request's headers must be complete within
/// `headerTimeout` of the connection opening (or of the previous response ending, on a kept-alive
/// connection), and its body within `bodyTimeout` of the headers.
///
/// Without it, a client sending one byte every few seconds holds a connection (and its memory)
/// for as long as it likes. The handler sits after HTTP decoding, so it sees whole request parts;
/// a timeout closes the connection, which also ends a route still waiting for the body.
final class SlowClientTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        case awaitingHead, awaitingBodyEnd, answering
    }

    private let headerTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let logger: Logger
    private var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?

    init(headerTimeout: TimeAmount, bodyTimeout: TimeAmount, logger: Logger) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(headerTimeout, waitingFor: "request headers", context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil, phase == .awaitingHead { arm(headerTimeout, waitingFor: "request headers", context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            phase = .awaitingBodyEnd
            arm(bodyTimeout, waitingFor: "the request body", context: context)
        case .body:
            break
        case .end:
            phase = .answering
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A response that ends after its request did leaves a kept-alive connection waiting for
        // the next request's headers.
        if case .end = unwrapOutboundIn(data), phase == .answering {
            phase = .awaitingHead
            arm(headerTimeout, waitingFor: "request headers", context: context)
        }
        context.write(data, promise: promise)
    }

    private func arm(_ timeout: TimeAmount, waitingFor what: String, context: ChannelHandlerContext) {
        disarm()
        let logger = logger
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.notice("closing a slow connection: no \(what) within \(timeout.nanoseconds / 1_000_000) ms")
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
