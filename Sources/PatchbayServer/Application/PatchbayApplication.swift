import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PatchbayConfig
import PatchbayPluginHost
import PatchbayRateLimit
import PatchbayStorage
import ServiceLifecycle
import UnixSignals

/// What ``buildApplication(routes:options:)`` takes besides the routing: the parts a deployment
/// (or a test) chooses.
public struct ApplicationOptions: Sendable {
    /// Overrides `server.host` (the command line's `--host`).
    public var host: String?
    /// Overrides `server.port` (the command line's `--port`; 0 for any free port).
    public var port: Int?
    /// Where conversations are kept; nil keeps none (every turn is stateless).
    public var store: (any ConversationStore)?
    /// Where rate-limit counters are kept: in this process, or in Redis (`limits.store`, a
    /// ``RedisRateLimitStore``, whose connections close when the application stops).
    public var rateLimitStore: any RateLimitStore = InProcessRateLimitStore()
    /// The clock rate-limit windows, circuit breakers and key cool-downs are counted in (tests pin it).
    public var clock: @Sendable () -> Date = { Date() }
    /// Uniformly random 64-bit numbers for the weighted choice among an assistant's targets (tests seed it).
    public var random: @Sendable () -> UInt64 = { UInt64.random(in: .min ... .max) }
    /// Where reloads read from; nil: the server never reloads (and `POST /admin/reload` answers 404).
    public var reloading: Reloading?
    /// Overrides `server.admin`'s address (the command line's `--admin-port`; tests bind port 0
    /// or a socket in a temporary folder).
    public var adminAddress: AdminListenerAddress?
    /// Called with the bound port once the server listens.
    public var onServerRunning: @Sendable (Int) async -> Void = { _ in }
    /// Called with the admin listener's bound address (its real port when 0 was asked) once it listens.
    public var onAdminRunning: @Sendable (AdminListenerAddress) async -> Void = { _ in }
    /// Whether memory freed after a burst of calls is handed back to the system when the server
    /// is quiet again (``HeapTrimmer``). On for `patchbay serve`; off by default, since it acts on
    /// the whole process, which in tests holds many hosts.
    public var trimsHeap = false
    /// The server's logger.
    public var logger: Logger

    /// What a reload reads.
    public struct Reloading: Sendable {
        /// providers.yaml.
        public var configPath: String
        /// Overrides the file's `plugins.directory`, as at start-up.
        public var pluginsDirectory: String?
        /// The plugin libraries the start-up scan opened, so unchanged plugins are not reopened.
        public var libraries: PluginLibraryCache
        /// Whether to watch the file and the plugins folder, and SIGHUP (`patchbay serve`); else
        /// reloads happen only through `/admin/reload`.
        public var watch: Bool
        /// The environment `${VARIABLE}`s are read from, at each reload.
        public var environment: @Sendable () -> [String: String]

        /// Creates reload settings.
        public init(
            configPath: String, pluginsDirectory: String? = nil, libraries: PluginLibraryCache, watch: Bool = true,
            environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }
        ) {
            self.configPath = configPath
            self.pluginsDirectory = pluginsDirectory
            self.libraries = libraries
            self.watch = watch
            self.environment = environment
        }
    }

    /// Creates options with every default.
    public init(logger: Logger) {
        self.logger = logger
    }
}

/// A built Patchbay: its HTTP application, and the long-lived parts the launcher and tests reach.
public struct PatchbayApplication: Sendable {
    /// The public listener: the router and the HTTP server. Tests drive it with
    /// HummingbirdTesting (`.router` or `.live`).
    public let http: Application<ChildTaskResponder<RouterResponder<PatchbayRequestContext>>>
    /// The admin listener (`server.admin`): `/admin/*`, `/metrics` and its own `/openapi.json`.
    public let admin: Application<RouterResponder<PatchbayRequestContext>>
    /// The live settings in force, and the last reload's outcome.
    public let settings: ReloadableSettings
    /// What needs a restart.
    public let startup: StartupSettings
    /// The provider calls in flight.
    public let activeCalls: ActiveCalls
    /// What `/metrics` shows.
    public let metrics: PatchbayMetrics
    /// The targets' circuit breakers and the keys' cool-downs.
    public let routing: RoutingHealth
    /// Reloads the configuration, when the server was built to.
    public let reloader: ConfigurationReloader?
    /// Every route the public router has: its method and path pattern.
    public let routes: [(method: HTTPRequest.Method, path: RouterPath)]
    /// Every route the admin router has.
    public let adminRoutes: [(method: HTTPRequest.Method, path: RouterPath)]
    /// Every public route, as `METHOD /path/{parameter}`: what the OpenAPI document must describe.
    public var endpoints: [String] { routes.map { "\($0.method.rawValue) \($0.path)" } }
    /// Every admin route, as `METHOD /path/{parameter}`: what the admin OpenAPI document must describe.
    public var adminEndpoints: [String] { adminRoutes.map { "\($0.method.rawValue) \($0.path)" } }
    /// The public listener's certificate when `server.tls` is set, or why it did not load.
    public let tls: Result<TLSCertificates, TLSCertificateError>?
    /// The rate limiter (tests read its stream counts).
    let limiter: RateLimiter
    /// The conversation store, when it is a service of its own (PostgreSQL's connection pool).
    let storeService: (any Service)?
    /// The rate-limit store, when it is a service of its own (Redis's connections).
    let limitStoreService: (any Service)?
    let watchesFiles: Bool
    let trimsHeap: Bool
    /// The public listener's requests in handling, for the heap trimmer.
    let handling: RequestsInHandling
    /// Runs the cache's warm prompts in the background.
    let cacheWarmer: CacheWarmer
    let logger: Logger

    /// Serves on both listeners until one of `gracefulShutdownSignals` arrives, then drains: no new connections,
    /// calls in flight get `server.shutdown_grace_ms`, and those still running then are stopped
    /// with a final error to their clients. Watches providers.yaml, the plugins folder and
    /// SIGHUP when built to.
    /// - Throws: ``TLSCertificateError`` at once when `server.tls` names files that do not load.
    public func run(gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        if case .failure(let error) = tls {
            logger.critical("not starting: \(error)")
            throw error
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // First, so that they are the last told to shut down: replies still draining get stored,
        // and their tokens recorded.
        if let storeService { services.append(.init(service: storeService)) }
        if let limitStoreService { services.append(.init(service: limitStoreService)) }
        if let reloader, watchesFiles {
            // Created before the server listens: it traps SIGHUP from then on.
            services.append(.init(service: await ConfigurationWatcher(reloader: reloader, logger: logger)))
        }
        if trimsHeap { services.append(.init(service: HeapTrimmer(activeCalls: activeCalls, handling: handling, logger: logger))) }
        services.append(.init(service: cacheWarmer))
        services.append(.init(service: admin))
        // Last, so that it is the first told to shut down: it stops accepting at once.
        services.append(.init(service: DrainingServer(app: http, activeCalls: activeCalls,
                                                      grace: .milliseconds(startup.shutdownGraceMilliseconds), logger: logger)))
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)).run()
    }
}

