import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL

extension HTTPServerBuilder {
    /// The public listener: HTTP/1.1 with the WebSocket door's upgrade and the slow-client
    /// timeouts; with `server.tls`, inside TLS, beside HTTP/2 (``SecureHTTPChannel``).
    static func patchbayPublic(
        startup: StartupSettings, responder: ChildTaskResponder<RouterResponder<PatchbayRequestContext>>, tls: Result<TLSCertificates, TLSCertificateError>?,
        logger: Logger
    ) -> HTTPServerBuilder {
        let headerTimeout = TimeAmount.milliseconds(Int64(startup.headerTimeoutMilliseconds))
        return .init { channelResponder in
            var http1 = UpgradableHTTPChannel(
                responder: channelResponder,
                upgradeResponder: { request, channel, logger in
                    // The router decides an upgrade like any request (auth, limits, logs); the route
                    // that accepts it leaves the socket's handler in the context.
                    var context = PatchbayRequestContext(source: .init(channel: channel, logger: logger))
                    let upgrade = WebSocketUpgrade()
                    context.webSocketUpgrade = upgrade
                    let response = (try? await responder.respond(to: request, context: context)) ?? Response(status: .internalServerError)
                    return (response, upgrade)
                },
                http1: .init(additionalChannelHandlers: [SendBufferLimit(), ClientDisconnectWatcher(), slowClientTimeout(startup, logger: logger)]),
                // One frame may hold a whole message; an idle socket is pinged every 30 s and closed
                // when a ping goes unanswered until the next.
                webSocket: .init(maxFrameSize: startup.webSocketMaxMessageBytes, autoPing: .enabled(timePeriod: .seconds(30)), validateUTF8: true),
                firstHeadTimeout: headerTimeout
            )
            guard let tls else { return http1 }
            http1.secure = true
            let context = try NIOSSLContext(configuration: try tls.get().serverConfiguration())
            // An HTTP/2 connection without streams is closed after the header timeout, as an idle HTTP/1 one is.
            let http2 = HTTP2Channel(responder: channelResponder, configuration: .init(idleTimeout: .milliseconds(startup.headerTimeoutMilliseconds)))
            return SecureHTTPChannel(context: context, http1: http1, http2: http2, handshakeTimeout: headerTimeout)
        }
    }

    /// The admin listener: plain HTTP/1.1 with the same slow-client timeouts.
    static func patchbayAdmin(startup: StartupSettings, logger: Logger) -> HTTPServerBuilder {
        .http1(additionalChannelHandlers: [slowClientTimeout(startup, logger: logger)])
    }

    /// A client gets `server.header_timeout_ms` to send its headers and `server.body_timeout_ms` its body.
    private static func slowClientTimeout(_ startup: StartupSettings, logger: Logger) -> SlowClientTimeoutHandler {
        SlowClientTimeoutHandler(headerTimeout: .milliseconds(Int64(startup.headerTimeoutMilliseconds)),
                                 bodyTimeout: .milliseconds(Int64(startup.bodyTimeoutMilliseconds)), logger: logger)
    }
}
