import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// HTTPS on the public listener: TLS with the current certificate (``TLSCertificates``), then
/// HTTP/2 or HTTP/1.1 as ALPN settles.
///
/// HTTP/1.1 is ``UpgradableHTTPChannel``, the plain listener's own channel, so `/ws/chat`
/// upgrades and the slow-client timeouts work over TLS as they do without it. (WebSocket over
/// HTTP/2, RFC 8441, is not offered: a browser opening `wss://` negotiates HTTP/1.1 for it.)
/// HTTP/2 is Hummingbird's channel, its connection closed after `idleTimeout` without streams.
struct SecureHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        case http1(UpgradableHTTPChannel.Value)
        case http2(HTTP2Channel.Value)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let context: NIOSSLContext
    let http1: UpgradableHTTPChannel
    let http2: HTTP2Channel
    /// How long a new connection may take to finish its TLS handshake.
    let handshakeTimeout: TimeAmount

    var responder: HTTPChannelHandler.Responder { http1.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result in
                switch result {
                case .negotiated("h2"):
                    return http2.setup(channel: channel, logger: logger).map { .http2($0) }
                case .negotiated("http/1.1"), .fallback:
                    return http1.setup(channel: channel, logger: logger).map { .http1($0) }
                case .negotiated(let other):
                    // Only h2 and http/1.1 are offered, so a client cannot have chosen another.
                    return channel.close().flatMapThrowing { throw ALPNRefusal(protocolName: other) }
                }
            }
            try channel.pipeline.syncOperations.addHandler(negotiation)
            // A client that never finishes its handshake must not hold the connection: the
            // HTTP/1 timeouts only start once it has.
            let deadline = channel.eventLoop.scheduleTask(in: handshakeTimeout) {
                logger.notice("closed a connection that did not finish its TLS handshake in time")
                channel.close(promise: nil)
            }
            negotiation.protocolNegotiationResult.whenComplete { _ in deadline.cancel() }
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1(let http1Value):
                await http1.handle(value: http1Value, logger: logger)
            case .http2(let http2Value):
                await http2.handle(value: http2Value, logger: logger)
            }
        } catch {
            // A failed handshake (a client that does not trust the certificate, say) or one cut short.
            logger.debug("TLS connection ended before a request: \(error)")
        }
    }

    private struct ALPNRefusal: Error {
        let protocolName: String
    }
}
