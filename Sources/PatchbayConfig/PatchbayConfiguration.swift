import PatchbayRateLimit

/// The validated contents of `providers.yaml`.
///
/// Build one with ``ConfigurationReader``; every value in it has been checked, so the server
/// can use it without further validation (apart from plugin names, which only the host knows).
public struct PatchbayConfiguration: Sendable {
    /// The file path as given to the reader; error locations use it.
    public var source: String
    /// Where the HTTP server listens.
    public var server: ServerSettings
    /// Where provider plugins are loaded from.
    public var plugins: PluginSettings
    /// Where conversations are stored.
    public var storage: StorageSettings
    /// The providers, in file order.
    public var providers: [ProviderSettings]
    /// The assistants, in file order.
    public var assistants: [AssistantSettings]
    /// Who may call the API.
    public var auth: AuthSettings
    /// Limits per caller, unless an auth key or an assistant sets its own.
    public var limits: RateLimitPolicy
    /// How many WebSocket connections one caller may open per UTC minute
    /// (`limits.websocket_connections_per_minute:`, default 5 as 004 documents).
    public var webSocketConnectionsPerMinute: Int
    /// Where the rate-limit counters live (`limits.store`, `limits.on_store_failure`,
    /// `limits.store_timeout_ms`): in this process unless a Redis URL is set.
    public var limitStore: LimitStoreSettings
    /// How the server logs.
    public var logging: LoggingSettings
    /// What clients are told about upstream models (`models:`), in file order.
    public var models: [ModelDescription]

    /// Creates a configuration; tests and embedders use this to skip the file.
    public init(
        source: String,
        server: ServerSettings = .init(),
        plugins: PluginSettings = .init(),
        storage: StorageSettings = .init(),
        providers: [ProviderSettings] = [],
        assistants: [AssistantSettings] = [],
        auth: AuthSettings = .init(),
        limits: RateLimitPolicy = .unlimited,
        webSocketConnectionsPerMinute: Int = PatchbayConfiguration.defaultWebSocketConnectionsPerMinute,
        limitStore: LimitStoreSettings = .init(),
        logging: LoggingSettings = .init(),
        models: [ModelDescription] = []
    ) {
        self.source = source
        self.server = server
        self.plugins = plugins
        self.storage = storage
        self.providers = providers
        self.assistants = assistants
        self.auth = auth
        self.limits = limits
        self.webSocketConnectionsPerMinute = webSocketConnectionsPerMinute
        self.limitStore = limitStore
        self.logging = logging
        self.models = models
    }

    /// The default of `limits.websocket_connections_per_minute`: 004's "5 connections per minute".
    public static let defaultWebSocketConnectionsPerMinute = 5

    /// The provider declared under `providers:` with this key, if any.
    public func provider(named name: String) -> ProviderSettings? {
        self.providers.first { $0.name == name }
    }

    /// The description of an upstream model under `models:`, if the operator wrote one.
    public func model(named name: String) -> ModelDescription? {
        self.models.first { $0.id == name }
    }

    /// The assistant declared under `assistants:` with this key, if any.
    public func assistant(id: String) -> AssistantSettings? {
        self.assistants.first { $0.id == id }
    }
}
