import PatchbayConfig

/// What takes effect only when the server starts: where it listens, its connection timeouts,
/// its shutdown grace, the WebSocket message cap, where conversations and rate-limit counters are
/// stored, and how it logs. A reload that changes
/// one of these says so in the log and leaves it as it is until the next restart.
public struct StartupSettings: Sendable, Equatable {
    /// The address to bind.
    public var host: String
    /// The port to bind (0: any free port).
    public var port: Int
    /// The admin listener: where it listens, and whether the public port serves its routes too.
    public var admin: AdminListenerSettings
    /// Whether the public listener speaks TLS (`server.tls`); the files themselves reload live.
    public var tls: Bool
    /// How long a client may take to send request headers, in ms.
    public var headerTimeoutMilliseconds: Int
    /// How long a client may take to send a request body, in ms.
    public var bodyTimeoutMilliseconds: Int
    /// How long replies in flight may run on after SIGTERM, in ms.
    public var shutdownGraceMilliseconds: Int
    /// The largest WebSocket message, in bytes: also the frame decoder's limit, set when the server starts.
    public var webSocketMaxMessageBytes: Int
    /// providers.yaml's `storage:` section: the engine and where (no password).
    public var storagePath: String
    /// The PostgreSQL URL in full, so that a new password counts as a change too (never shown).
    let storageURL: PostgresURL?
    /// `limits.store` in full, as for storage (`limits.on_store_failure` reloads live).
    let limitStoreURL: RedisURL?
    /// `limits.store_timeout_ms`.
    let limitStoreTimeoutMilliseconds: Int
    /// providers.yaml's `logging:` section, as text (format and level).
    public var logging: String
    /// The command line's `--host`, which wins over the file's at every reload too.
    let hostOverride: String?
    /// The command line's `--port`.
    let portOverride: Int?

    /// The command line's `--admin-port` (or a test's admin address).
    let adminAddressOverride: AdminListenerAddress?

    /// The start-up part of a configuration, with the command line's overrides.
    public init(_ configuration: PatchbayConfiguration, host: String? = nil, port: Int? = nil, adminAddress: AdminListenerAddress? = nil) {
        let server = configuration.server
        self.host = host ?? server.host
        self.port = port ?? server.port
        self.admin = server.admin
        self.tls = server.tls != nil
        if let adminAddress { self.admin.address = adminAddress }
        self.adminAddressOverride = adminAddress
        self.headerTimeoutMilliseconds = server.headerTimeoutMilliseconds
        self.bodyTimeoutMilliseconds = server.bodyTimeoutMilliseconds
        self.shutdownGraceMilliseconds = server.shutdownGraceMilliseconds
        self.webSocketMaxMessageBytes = server.webSocketMaxMessageBytes
        self.storagePath = configuration.storage.summary
        self.storageURL = configuration.storage.postgresURL
        self.limitStoreURL = configuration.limitStore.redisURL
        self.limitStoreTimeoutMilliseconds = configuration.limitStore.timeoutMilliseconds
        self.logging = "\(configuration.logging)"
        self.hostOverride = host
        self.portOverride = port
    }

    /// The names of the settings that differ, in providers.yaml's spelling.
    func changes(comparedWith other: StartupSettings) -> [String] {
        var changed: [String] = []
        if host != other.host { changed.append("server.host") }
        if port != other.port { changed.append("server.port") }
        if admin != other.admin { changed.append("server.admin") }
        if tls != other.tls { changed.append("server.tls") }
        if headerTimeoutMilliseconds != other.headerTimeoutMilliseconds { changed.append("server.header_timeout_ms") }
        if bodyTimeoutMilliseconds != other.bodyTimeoutMilliseconds { changed.append("server.body_timeout_ms") }
        if shutdownGraceMilliseconds != other.shutdownGraceMilliseconds { changed.append("server.shutdown_grace_ms") }
        if webSocketMaxMessageBytes != other.webSocketMaxMessageBytes { changed.append("server.websocket_max_message_bytes") }
        if storagePath != other.storagePath || storageURL != other.storageURL { changed.append("storage") }
        if limitStoreURL != other.limitStoreURL { changed.append("limits.store") }
        if limitStoreTimeoutMilliseconds != other.limitStoreTimeoutMilliseconds { changed.append("limits.store_timeout_ms") }
        if logging != other.logging { changed.append("logging") }
        return changed
    }
}

/// Patchbay's version, as `/health` reports it.
public enum PatchbayVersion {
    /// The version string.
    public static let current = "0.1.0"
}
