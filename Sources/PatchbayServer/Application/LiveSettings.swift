import Logging
import PatchbayConfig
import PatchbayRateLimit
import Synchronization

/// Everything that reloads live, as one immutable snapshot: providers, assistants and their
/// plugin instances, API keys, CORS origins, input limits, rate limits and proxies.
///
/// A request reads one snapshot from its first middleware to its last byte, so a reload never
/// changes a request in flight. What needs a restart is in ``StartupSettings``.
///
/// A class, not a struct: every request context and every turn carries it, and as a ~900-byte
/// value each copy was a run of retains and a slice of every async frame that held it (the
/// frames of a turn's start stay allocated until its first event, and for a WebSocket turn's
/// task until its reply ends).
public final class LiveSettings: Sendable {
    /// The routing: assistants to providers to plugin instances, and the configuration it came from.
    public let routes: RouteTable
    /// The API keys callers may present.
    let keys: APIKeyRing
    /// The origins browsers may call from, normalised (`*` for any).
    let allowedOrigins: Set<String>
    /// Message length and count limits.
    public let inputLimits: ChatInputLimits
    /// The largest request body accepted (413 beyond).
    public let maxBodyBytes: Int
    /// How many streams one caller may have open; nil: no cap.
    let maxStreamsPerCaller: Int?
    /// How many chats one WebSocket may have in flight.
    let webSocketMaxChatsPerSocket: Int
    /// How many WebSocket connections one caller may open per minute.
    let webSocketConnections: RateLimitPolicy
    /// The `Strict-Transport-Security` value to send over TLS, if any (with `server.tls`, one year unless set).
    let strictTransportSecurity: String?
    /// The most reply text queued per stream for a client that reads slowly (`stream_buffer_bytes`).
    let streamBufferBytes: Int

    /// The configuration the snapshot was built from.
    public var configuration: PatchbayConfiguration { routes.configuration }

    /// Derives the snapshot from a routing (key digests are taken here, once per reload).
    public init(routes: RouteTable, logger: Logger) {
        let server = routes.configuration.server
        self.routes = routes
        self.keys = APIKeyRing(routes.configuration.auth, logger: logger)
        self.allowedOrigins = Set(server.corsOrigins.map(OriginPolicy.normalize))
        self.inputLimits = ChatInputLimits(maxMessageChars: server.maxMessageChars, maxMessages: server.maxMessages)
        self.maxBodyBytes = server.maxBodyBytes
        self.maxStreamsPerCaller = server.maxStreamsPerCaller
        self.webSocketMaxChatsPerSocket = server.webSocketMaxChatsPerSocket
        self.webSocketConnections = RateLimitPolicy(requestsPerMinute: routes.configuration.webSocketConnectionsPerMinute)
        self.strictTransportSecurity = server.strictTransportSecurity ?? (server.tls == nil ? nil : ServerSettings.defaultStrictTransportSecurity)
        self.streamBufferBytes = server.streamBufferBytes
    }
}

/// The live settings in force, replaced as one by a reload, and the last reload's outcome.
public final class ReloadableSettings: Sendable {
    private struct State {
        var current: LiveSettings
        var lastReload: ReloadOutcome?
    }

    private let state: Mutex<State>

    /// Starts with the settings read at start-up.
    public init(_ initial: LiveSettings) {
        state = Mutex(State(current: initial))
    }

    /// The snapshot now in force.
    public var current: LiveSettings { state.withLock { $0.current } }

    /// The last reload's outcome, applied or not; nil before the first.
    public var lastReload: ReloadOutcome? { state.withLock { $0.lastReload } }

    /// Records a reload's outcome and, if it produced settings, puts them in force — in one step,
    /// so `/health` never shows an outcome whose settings are not yet in force.
    func finishReload(_ outcome: ReloadOutcome, settings: LiveSettings?) {
        state.withLock { state in
            if let settings { state.current = settings }
            state.lastReload = outcome
        }
    }
}
