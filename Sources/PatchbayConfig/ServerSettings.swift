/// Where the HTTP server listens and how it protects itself (the `server:` section).
public struct ServerSettings: Sendable {
    /// The address to bind; `127.0.0.1` unless the file says otherwise.
    public var host: String
    /// The TCP port, 1...65535; `8080` unless the file or the `PORT` environment variable says otherwise.
    public var port: Int
    /// The origins browsers may call from (`cors_origins:`); empty (the default) allows none.
    /// Each is `*` (any origin) or `scheme://host[:port]` with scheme `http` or `https`, written
    /// as browsers send `Origin`: scheme and host lowercased, a default port (80 for http, 443
    /// for https) dropped. The comma-separated `ALLOWED_ORIGINS` environment variable replaces
    /// the file's list.
    public var corsOrigins: [String]
    /// The largest request body accepted, 1...16777216 bytes (`max_body_bytes:`, default 262144).
    public var maxBodyBytes: Int
    /// The proxies whose forwarding headers are believed (`trusted_proxies:`); empty by default.
    public var trustedProxies: [IPNetwork]
    /// The most characters one message's content may have (`max_message_chars:`, default 32000).
    public var maxMessageChars: Int
    /// The most entries a request's `messages` or `history` may have (`max_messages:`, default 200).
    public var maxMessages: Int
    /// How long a client may take to send request headers, in ms (`header_timeout_ms:`, default 10000).
    public var headerTimeoutMilliseconds: Int
    /// How long a client may take to send a request body, in ms (`body_timeout_ms:`, default 30000).
    public var bodyTimeoutMilliseconds: Int
    /// How many streamed (SSE) responses one caller may have open at once (`max_streams_per_caller:`);
    /// `nil` (the default) sets no cap. Off by default because, behind a proxy that is not listed
    /// in `trusted_proxies`, every user is the same caller.
    public var maxStreamsPerCaller: Int?
    /// The `Strict-Transport-Security` header value to send over TLS (`strict_transport_security:`):
    /// on requests that came over `tls:`, or from a trusted proxy with `X-Forwarded-Proto: https`;
    /// never on plain HTTP. `nil` (the default) sends none, or ``defaultStrictTransportSecurity``
    /// with `tls:`. Checked to be a single-line value with a `max-age` directive.
    public var strictTransportSecurity: String?
    /// How long replies in flight may run on after SIGTERM before they are stopped, in ms
    /// (`shutdown_grace_ms:`, default 25000 — under the 30 s most orchestrators wait before SIGKILL).
    public var shutdownGraceMilliseconds: Int
    /// The largest message a WebSocket client may send, in bytes (`websocket_max_message_bytes:`,
    /// default 65536); a larger one closes the socket with 1009. Read at start-up: it is also
    /// the frame decoder's limit.
    public var webSocketMaxMessageBytes: Int
    /// How many chats one WebSocket may have in flight at once (`websocket_max_chats_per_socket:`, default 8).
    public var webSocketMaxChatsPerSocket: Int
    /// The most bytes of reply text queued for one stream between its provider and its client
    /// (`stream_buffer_bytes:`, default 1 MiB). Past it the provider's call is paused until the
    /// client has read half of it; a provider that cannot pause has its call stopped instead.
    public var streamBufferBytes: Int
    /// The admin listener (`admin:`): `/admin/*` and `/metrics`, off the public port; `127.0.0.1:9091` by default.
    public var admin: AdminListenerSettings
    /// HTTPS on the public listener (`tls:`); nil (the default) serves plain HTTP.
    public var tls: TLSSettings?

    /// What `Strict-Transport-Security` says with `tls:` when `strict_transport_security` is not set: one year.
    public static let defaultStrictTransportSecurity = "max-age=31536000"
    /// The default host, `127.0.0.1`: local only until someone decides otherwise.
    public static let defaultHost = "127.0.0.1"
    /// The default port, `8080`.
    public static let defaultPort = 8080
    /// The default of `max_body_bytes`, 256 KiB.
    public static let defaultMaxBodyBytes = 262_144
    /// The largest `max_body_bytes` accepted, 16 MiB.
    public static let maximumMaxBodyBytes = 16_777_216
    /// The default of `max_message_chars`.
    public static let defaultMaxMessageChars = 32_000
    /// The default of `max_messages`.
    public static let defaultMaxMessages = 200
    /// The default of `header_timeout_ms`.
    public static let defaultHeaderTimeoutMilliseconds = 10_000
    /// The default of `body_timeout_ms`.
    public static let defaultBodyTimeoutMilliseconds = 30_000
    /// The default of `shutdown_grace_ms`.
    public static let defaultShutdownGraceMilliseconds = 25_000
    /// The default of `websocket_max_message_bytes`, 64 KiB: a chat message with a long history.
    public static let defaultWebSocketMaxMessageBytes = 65_536
    /// The default of `websocket_max_chats_per_socket`.
    public static let defaultWebSocketMaxChatsPerSocket = 8
    /// The default of `stream_buffer_bytes`, 1 MiB.
    public static let defaultStreamBufferBytes = 1_048_576
    /// The accepted range of `stream_buffer_bytes`: from 1 KiB (below it a stream would pause on
    /// nearly every delta) to 1 GiB.
    public static let streamBufferBytesRange = 1024...1_073_741_824

    /// Creates server settings.
    public init(
        host: String = ServerSettings.defaultHost,
        port: Int = ServerSettings.defaultPort,
        corsOrigins: [String] = [],
        maxBodyBytes: Int = ServerSettings.defaultMaxBodyBytes,
        trustedProxies: [IPNetwork] = [],
        maxMessageChars: Int = ServerSettings.defaultMaxMessageChars,
        maxMessages: Int = ServerSettings.defaultMaxMessages,
        headerTimeoutMilliseconds: Int = ServerSettings.defaultHeaderTimeoutMilliseconds,
        bodyTimeoutMilliseconds: Int = ServerSettings.defaultBodyTimeoutMilliseconds,
        maxStreamsPerCaller: Int? = nil,
        strictTransportSecurity: String? = nil,
        shutdownGraceMilliseconds: Int = ServerSettings.defaultShutdownGraceMilliseconds,
        webSocketMaxMessageBytes: Int = ServerSettings.defaultWebSocketMaxMessageBytes,
        webSocketMaxChatsPerSocket: Int = ServerSettings.defaultWebSocketMaxChatsPerSocket,
        streamBufferBytes: Int = ServerSettings.defaultStreamBufferBytes,
        admin: AdminListenerSettings = .init(),
        tls: TLSSettings? = nil
    ) {
        self.host = host
        self.port = port
        self.corsOrigins = corsOrigins
        self.maxBodyBytes = maxBodyBytes
        self.trustedProxies = trustedProxies
        self.maxMessageChars = maxMessageChars
        self.maxMessages = maxMessages
        self.headerTimeoutMilliseconds = headerTimeoutMilliseconds
        self.bodyTimeoutMilliseconds = bodyTimeoutMilliseconds
        self.maxStreamsPerCaller = maxStreamsPerCaller
        self.strictTransportSecurity = strictTransportSecurity
        self.shutdownGraceMilliseconds = shutdownGraceMilliseconds
        self.webSocketMaxMessageBytes = webSocketMaxMessageBytes
        self.webSocketMaxChatsPerSocket = webSocketMaxChatsPerSocket
        self.streamBufferBytes = streamBufferBytes
        self.admin = admin
        self.tls = tls
    }
}
