import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import Synchronization
// WebSocketHandler runs an upgraded socket: frames, auto-ping, the close handshake. It is the
// one hummingbird-websocket's own upgrade channel uses, published to it as SPI.
@_spi(WSInternal) import WSCore

/// HTTP/1 with WebSocket upgrades on the same port.
///
/// hummingbird-websocket's `HTTP1WebSocketUpgradeChannel`, with one difference that matters to
/// clients: an upgrade the router refuses is answered with the router's own response (401
/// UNAUTHORIZED, 429 RATE_LIMITED, with their headers and JSON body), where the library's
/// channel answers every refusal with an empty 400. Requests without upgrade headers are served
/// as by `HTTP1Channel`, with the same additional handlers (slow-client timeouts) and idle timeout.
struct UpgradableHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    /// How a connection's first request was settled.
    enum Negotiated: Sendable {
        /// Plain HTTP (no upgrade was asked for, or the upgrade headers were not valid).
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade the router refused: its response, then the connection closes.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, Response)
        /// An upgraded socket and the handler the accepting route left.
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, WebSocketUpgrade.Handler, Logger)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    /// Answers an upgrade request through the router: the response, and the upgrade it accepted, if any.
    typealias UpgradeResponder = @Sendable (Request, any Channel, Logger) async -> (Response, WebSocketUpgrade)

    let responder: HTTPChannelHandler.Responder
    let upgradeResponder: UpgradeResponder
    let http1: HTTP1Channel.Configuration
    let webSocket: WebSocketServerConfiguration
    /// How long a new connection may take to send its first request head.
    let firstHeadTimeout: TimeAmount
    /// Whether it runs inside TLS (``SecureHTTPChannel``): requests then carry the `https` scheme.
    var secure = false

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let decision = UpgradeDecision()
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: webSocket.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
                    promise.completeWithTask {
                        let request = Request(head: try HTTPRequest(head, secure: secure, splitCookie: false), body: .init(buffer: .init()))
                        let (response, upgrade) = await upgradeResponder(request, channel, logger)
                        // nil refuses: the not-upgrading path then sends the router's response.
                        return decision.settle(response, upgrade: upgrade) ? HTTPHeaders(response.headers) : nil
                    }
                    return promise.futureResult
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let handler = decision.accepted else { throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget }
                        let socket = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return .webSocket(socket, handler, logger)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(
                upgradeConfiguration: .init(upgraders: [upgrader]) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let http = try addHTTPHandlers(to: channel, logger: logger)
                        return decision.refusal.map { .refused(http, $0) } ?? .http(http)
                    }
                }
            )
            // As HTTP1Channel and the library's upgrade channel set them: Hummingbird handles these itself.
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            configuration.decoderConfiguration.maxHeaderFieldSize = http1.httpDecoder.maxHeaderFieldSize
            configuration.decoderConfiguration.maxHeaderListSize = http1.httpDecoder.maxHeaderListSize
            configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            // The slow-client handlers join once the first head is in (the upgrade is decided on
            // it), so until then this deadline stands in for their header timeout.
            let deadline = channel.eventLoop.scheduleTask(in: firstHeadTimeout) {
                logger.notice("closed a connection that sent no request head in time")
                channel.close(promise: nil)
            }
            negotiated.whenComplete { _ in deadline.cancel() }
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let response):
                try await http.executeThenClose { _, outbound in
                    var response = response
                    response.headers[.connection] = "close"
                    try await ResponseWriter(outbound: outbound).write(response: response.head, body: response.body)
                }
            case .webSocket(let socket, let handler, let logger):
                let configuration = WebSocketHandler.Configuration(
                    extensions: [], autoPing: webSocket.autoPing, closeTimeout: webSocket.closeTimeout,
                    validateUTF8: webSocket.validateUTF8, maxFrameSize: webSocket.maxFrameSize)
                _ = try await WebSocketHandler.handle(type: .server, configuration: configuration, asyncChannel: socket,
                                                      context: WebSocketUpgrade.Context(logger: logger), handler: handler)
            }
        } catch {
            // The peer went away during the upgrade, or the socket failed: nothing left to answer.
            logger.debug("connection ended: \(error)")
        }
    }

    /// The HTTP/1 handlers HTTP1Channel adds after decoding, and the channel to serve requests on.
    private func addHTTPHandlers(to channel: any Channel, logger: Logger) throws -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart> {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
        try pipeline.addHandlers(http1.additionalChannelHandlers())
        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger))
        return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
    }
}

/// What the router answered a connection's upgrade request: the handler a route accepted it
/// with, or the response that refuses it.
private final class UpgradeDecision: Sendable {
    private let state = Mutex<(accepted: WebSocketUpgrade.Handler?, refusal: Response?)>((nil, nil))

    /// Records the router's answer; whether a route accepted the upgrade.
    func settle(_ response: Response, upgrade: WebSocketUpgrade) -> Bool {
        let handler = upgrade.handler
        state.withLock { $0 = (handler, handler == nil ? response : nil) }
        return handler != nil
    }

    var accepted: WebSocketUpgrade.Handler? { state.withLock { $0.accepted } }
    var refusal: Response? { state.withLock { $0.refusal } }
}

/// An upgrade request's way back from the router: the route that accepts it leaves the socket's
/// handler here. Plain HTTP requests have none, so a route can tell them apart.
final class WebSocketUpgrade: Sendable {
    /// What an upgraded socket's handler sees besides its frames.
    struct Context: WebSocketContext {
        let logger: Logger
    }

    typealias Handler = WebSocketDataHandler<Context>

    private let accepted = Mutex<Handler?>(nil)

    /// Accepts the upgrade: once the 101 is sent, `handler` runs the socket.
    func accept(_ handler: @escaping Handler) {
        accepted.withLock { $0 = handler }
    }

    /// The accepted socket's handler.
    var handler: Handler? { accepted.withLock { $0 } }
}
