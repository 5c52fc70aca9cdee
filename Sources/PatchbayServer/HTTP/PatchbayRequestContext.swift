import Hummingbird
import Logging

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

    /// Creates a context for a new request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.peerAddress = source.channel.remoteAddress?.ipAddress
    }
}
