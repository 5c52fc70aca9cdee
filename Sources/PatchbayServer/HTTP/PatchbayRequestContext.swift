import Hummingbird
import Logging
import NIOCore

/// The request context of every Patchbay route: Hummingbird's core context plus the request id.
public struct PatchbayRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `X-Request-ID` when it sent a usable one, else a new one.
    public var requestID: String
    /// The caller's API key, once authenticated (auth enabled).
    public var apiKey: AuthenticatedKey?
    /// What the route learned, for the access-log line (shared by every copy of the context).
    public let requestLog = RequestLogRecord()
    /// Who the caller is and what the rate limiter decided (shared by every copy of the context).
    public let caller = CallerRecord()
    /// The peer's IP address, if the connection has one (a proxy's, behind a proxy).
    public let peerAddress: String?
    /// The connection: a streamed reply watches it for the client's going.
    let channel: any Channel
    /// The live settings this request reads from start to end, taken by ``LiveSettingsMiddleware``.
    var snapshot: LiveSettings?
    /// Set on a request that asks for a WebSocket upgrade, where the accepting route leaves the
    /// socket's handler; nil on every plain HTTP request.
    var webSocketUpgrade: WebSocketUpgrade?

    /// Creates a context for a new request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }

    /// The request's live settings. ``LiveSettingsMiddleware`` is the router's first middleware,
    /// so every route and middleware after it finds them set.
    var settings: LiveSettings {
        guard let snapshot else { preconditionFailure("LiveSettingsMiddleware must be the router's first middleware") }
        return snapshot
    }

    /// The caller of a chat turn, as the protection middleware identified it.
    var turnCaller: TurnCaller {
        TurnCaller(key: apiKey, record: caller, requestID: requestID, logger: logger, requestLog: requestLog)
    }
}

/// Takes the live settings in force when a request arrives; the request keeps them to its end,
/// whatever a reload does meanwhile.
struct LiveSettingsMiddleware: RouterMiddleware {
    typealias Context = PatchbayRequestContext

    let settings: ReloadableSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.snapshot = settings.current
        return try await next(request, context)
    }
}
