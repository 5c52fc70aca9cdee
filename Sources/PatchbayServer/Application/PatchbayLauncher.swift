import Foundation
import Logging
import PatchbayConfig
import PatchbayPluginHost
import PatchbayRateLimit
import PatchbayRedis
import PatchbayStorage

/// What the `patchbay` commands do, kept out of the executable so tests can run it.
public enum PatchbayLauncher {
    /// Reads the configuration, loads the plugins and builds the routing.
    /// - Parameters:
    ///   - configPath: providers.yaml.
    ///   - pluginsDirectory: overrides the file's `plugins.directory`.
    ///   - createInstances: false for a check that starts nothing.
    /// - Throws: every syntax and schema error of the file, located.
    public static func routes(
        configPath: String,
        pluginsDirectory: String? = nil,
        createInstances: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        libraries: PluginLibraryCache? = nil,
        logger: Logger
    ) throws(ConfigurationErrors) -> RouteTable {
        let configuration = try ConfigurationReader.read(path: configPath, environment: environment)
        return routes(configuration: configuration, configPath: configPath, pluginsDirectory: pluginsDirectory,
                      createInstances: createInstances, libraries: libraries, logger: logger)
    }

    /// Loads the plugins an already-read configuration names and builds the routing.
    public static func routes(
        configuration: PatchbayConfiguration,
        configPath: String,
        pluginsDirectory: String? = nil,
        createInstances: Bool = true,
        libraries: PluginLibraryCache? = nil,
        logger: Logger
    ) -> RouteTable {
        let directory = pluginsDirectory ?? resolve(configuration.plugins.directory, relativeTo: configPath)
        let catalog = PluginLoader(logger: logger, libraries: libraries).loadDirectory(directory)
        return RouteTable.build(configuration: configuration, catalog: catalog, createInstances: createInstances, logger: logger)
    }

    /// A relative plugins folder is read relative to the configuration file (``ConfigurationPath``).
    public static func resolve(_ path: String, relativeTo configPath: String) -> String {
        ConfigurationPath.resolve(path, relativeTo: configPath)
    }

    /// Runs the server until SIGTERM or SIGINT, reloading providers.yaml and the plugins folder
    /// when they change and on SIGHUP.
    /// - Parameters:
    ///   - configuration: providers.yaml, already read (the caller set up logging from it).
    ///   - adminPort: the command line's `--admin-port`: the admin listener on TCP at this port
    ///     (0: any free one), on `server.admin.host` or 127.0.0.1, whatever `server.admin` says.
    ///   - onServerRunning: called with the bound port once the server listens.
    public static func serve(
        configuration: PatchbayConfiguration,
        configPath: String,
        host: String?,
        port: Int?,
        adminPort: Int? = nil,
        pluginsDirectory: String?,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        HeapTrimmer.limitArenas()
        let libraries = PluginLibraryCache()
        let routes = Self.routes(configuration: configuration, configPath: configPath, pluginsDirectory: pluginsDirectory,
                                 libraries: libraries, logger: logger)
        let store = try await openStore(routes.configuration.storage, configPath: configPath, logger: logger)
        var options = ApplicationOptions(logger: logger)
        options.host = host
        options.port = port
        if let adminPort {
            var host = AdminListenerSettings.defaultHost
            if case .tcp(let fileHost, _) = configuration.server.admin.address { host = fileHost }
            options.adminAddress = .tcp(host: host, port: adminPort)
        }
        options.store = store
        options.rateLimitStore = await openLimitStore(routes.configuration.limitStore, logger: logger)
        options.reloading = .init(configPath: configPath, pluginsDirectory: pluginsDirectory, libraries: libraries)
        options.onServerRunning = onServerRunning
        options.trimsHeap = true
        try await buildApplication(routes: routes, options: options).run()
        // Every reply was written before its connection closed; this checkpoints the WAL. (A
        // PostgreSQL store's pool is a service of the application and has stopped with it.)
        if let sqlite = store as? SQLiteConversationStore {
            do {
                try sqlite.close()
                logger.info("conversations flushed to \(sqlite.path)")
            } catch {
                logger.error("closing the conversation store failed: \(error)")
            }
        }
    }

    /// The store `storage:` names: the SQLite file (relative to providers.yaml), or the PostgreSQL
    /// database, migrated before the server listens.
    public static func openStore(_ storage: StorageSettings, configPath: String, logger: Logger) async throws -> any ConversationStore {
        guard let url = storage.postgresURL else {
            let databasePath = resolve(storage.sqlitePath, relativeTo: configPath)
            let store = try SQLiteConversationStore(path: databasePath, logger: logger)
            logger.info("conversations stored in \(databasePath)")
            return store
        }
        let endpoint = PostgresConversationStore.Endpoint(url)
        try await PostgresConversationStore.migrate(endpoint: endpoint, logger: logger)
        logger.info("conversations stored in PostgreSQL at \(endpoint.redacted)")
        return PostgresConversationStore(endpoint: endpoint, logger: logger)
    }

    /// The store `limits.store` names: Redis, shared by every instance that points at it, or this
    /// process's memory. A Redis that does not answer now is logged and does not stop the start:
    /// `limits.on_store_failure` decides what chat turns meet until it does.
    public static func openLimitStore(_ settings: LimitStoreSettings, logger: Logger) async -> any RateLimitStore {
        guard let url = settings.redisURL else { return InProcessRateLimitStore() }
        let configuration = RedisClient.Configuration(url, timeoutMilliseconds: settings.timeoutMilliseconds)
        let store = RedisRateLimitStore(client: RedisClient(configuration: configuration, logger: logger))
        do {
            try await store.ping()
            logger.info("rate limits counted in Redis at \(url)")
        } catch {
            logger.warning("rate limits counted in Redis at \(url), which does not answer yet (limits.on_store_failure: \(settings.onFailure.rawValue)): \(error)")
        }
        return store
    }

    /// The lines `patchbay plugins` prints: what loads, what is refused and why.
    public static func pluginReport(directory: String, logger: Logger) -> (lines: [String], refused: Int) {
        let catalog = PluginLoader(logger: logger).loadDirectory(directory)
        var lines: [String] = []
        if catalog.directoryMissing { lines.append("\(directory): cannot read the plugins folder") }
        for plugin in catalog.plugins {
            lines.append("loaded  \(plugin.name) \(plugin.version) (ABI \(plugin.abiMajor).\(plugin.abiMinor)) models: \(plugin.manifest.models.joined(separator: ", ")) — \(plugin.path)")
        }
        for refusal in catalog.refusals { lines.append("refused \(refusal.path): \(refusal.message)") }
        return (lines, catalog.refusals.count + (catalog.directoryMissing ? 1 : 0))
    }
}
