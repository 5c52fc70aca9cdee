import Dispatch
import Foundation
import Logging
import PatchbayConfig
import PatchbayPluginHost

/// Reads providers.yaml and rescans the plugins folder, and — if the file is valid — puts the new
/// live settings (routing, keys, origins, limits) in force in one step. Requests in flight keep
/// the settings they started with (and so the plugin code and instances they started on); an
/// invalid file changes nothing but the reported outcome. A change to what needs a restart
/// (``StartupSettings``) is logged and waits for it.
///
/// Reloads run one at a time on a queue of their own: they read files and call plugins'
/// `instance_create`, which must not block Swift's cooperative threads.
public final class ConfigurationReloader: Sendable {
    /// providers.yaml.
    public let configPath: String
    private let pluginsDirectoryOverride: String?
    private let settings: ReloadableSettings
    private let startup: StartupSettings
    private let metrics: PatchbayMetrics
    private let routing: RoutingHealth
    private let libraries: PluginLibraryCache
    private let environment: @Sendable () -> [String: String]
    /// The public listener's certificate, re-read at every reload; nil without `server.tls`.
    private let certificates: TLSCertificates?
    private let logger: Logger
    private let queue = DispatchQueue(label: "patchbay.reload")

    /// Creates a reloader of `settings`.
    /// - Parameters:
    ///   - startup: what the server started with; a reload that changes it says it needs a restart.
    ///   - pluginsDirectory: overrides the file's `plugins.directory`, as at start-up.
    ///   - routing: the breakers and key cool-downs; a reload forgets those of targets and keys it changed.
    ///   - libraries: the cache the start-up scan used, so unchanged plugins are not reopened.
    ///   - environment: read at each reload (a provider's `${KEY}` may have been set since).
    public init(
        configPath: String, pluginsDirectory: String?, settings: ReloadableSettings, startup: StartupSettings,
        metrics: PatchbayMetrics, routing: RoutingHealth, libraries: PluginLibraryCache,
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        certificates: TLSCertificates? = nil,
        logger: Logger
    ) {
        self.certificates = certificates
        self.configPath = configPath
        self.pluginsDirectoryOverride = pluginsDirectory
        self.settings = settings
        self.startup = startup
        self.metrics = metrics
        self.routing = routing
        self.libraries = libraries
        self.environment = environment
        self.logger = logger
    }

    /// The plugins folder the routing in force reads.
    public var pluginsDirectory: String {
        pluginsDirectoryOverride
            ?? PatchbayLauncher.resolve(settings.current.configuration.plugins.directory, relativeTo: configPath)
    }

    /// Reloads now and reports the outcome (also kept for `/health`).
    public func reload(trigger: ReloadTrigger) async -> ReloadOutcome {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.reloadNow(trigger: trigger)) }
        }
    }

    private func reloadNow(trigger: ReloadTrigger) -> ReloadOutcome {
        var logger = logger
        logger[metadataKey: "reload.trigger"] = .string(trigger.rawValue)
        let configuration: PatchbayConfiguration
        do {
            configuration = try ConfigurationReader.read(path: configPath, environment: environment())
        } catch {
            let errors = error.errors.map(\.description)
            for line in errors { logger.error("reload rejected, the configuration in force stays: \(line)") }
            // The certificate files are re-read even so: replacing them is a reload of its own.
            let tlsError = certificates?.reload(settings.current.configuration.server.tls, logger: logger)
            return finish(.rejected, trigger: trigger, errors: errors + [tlsError?.description].compactMap { $0 }, routes: nil)
        }
        let previous = settings.current.routes
        let restartOnly = StartupSettings(configuration, host: startup.hostOverride, port: startup.portOverride, adminAddress: startup.adminAddressOverride)
            .changes(comparedWith: startup)
        if !restartOnly.isEmpty {
            logger.notice("changed settings take effect at the next restart: \(restartOnly.joined(separator: ", "))")
        }
        let routes = PatchbayLauncher.routes(configuration: configuration, configPath: configPath,
                                             pluginsDirectory: pluginsDirectoryOverride, libraries: libraries, logger: logger)
        // A file refused at the last scan too is not a new failure.
        let known = Set(previous.catalog.refusals.map(\.message))
        metrics.pluginLoadFailed(count: routes.catalog.refusals.filter { !known.contains($0.message) }.count)
        let tlsError = certificates?.reload(configuration.server.tls, logger: logger)
        let errors = routes.problems.map(\.description) + [tlsError?.description].compactMap { $0 }
        let outcome = finish(.applied, trigger: trigger, errors: errors, routes: routes)
        logger.info("reload applied", metadata: [
            "assistants": .stringConvertible(routes.assistants.count),
            "providers.available": .stringConvertible(routes.providers.filter(\.isConfigured).count),
            "plugins": .string(outcome.plugins.joined(separator: ", ")),
        ])
        return outcome
    }

    /// Counts the reload, records its outcome and — when it produced one — puts the new routing in force.
    private func finish(_ result: ReloadOutcome.Result, trigger: ReloadTrigger, errors: [String], routes: RouteTable?) -> ReloadOutcome {
        let plugins = (routes ?? settings.current.routes).catalog.plugins.map { "\($0.name) \($0.version)" }
        let outcome = ReloadOutcome(result: result, trigger: trigger, at: Date(), errors: errors, plugins: plugins)
        metrics.configReloaded(result: result.rawValue)
        settings.finishReload(outcome, settings: routes.map { LiveSettings(routes: $0, logger: logger) })
        if let routes { routing.keepOnly(routes) }
        return outcome
    }
}
