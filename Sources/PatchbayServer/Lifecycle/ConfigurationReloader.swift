import Dispatch
import Foundation
import Logging
import PatchbayConfig
import PatchbayPluginHost

/// Reads providers.yaml and rescans the plugins folder, and — if the file is valid — swaps the
/// gateway's routing for the new one in one step. Requests in flight keep the routing they
/// started with (and so the plugin code and instances they started on); an invalid file changes
/// nothing but the reported outcome.
///
/// Reloads run one at a time on a queue of their own: they read files and call plugins'
/// `instance_create`, which must not block Swift's cooperative threads.
public final class ConfigurationReloader: Sendable {
    /// providers.yaml.
    public let configPath: String
    private let pluginsDirectoryOverride: String?
    private let gateway: Gateway
    private let libraries: PluginLibraryCache
    private let environment: @Sendable () -> [String: String]
    private let logger: Logger
    private let queue = DispatchQueue(label: "patchbay.reload")

    /// Creates a reloader for the gateway.
    /// - Parameters:
    ///   - pluginsDirectory: overrides the file's `plugins.directory`, as at start-up.
    ///   - libraries: the cache the start-up scan used, so unchanged plugins are not reopened.
    ///   - environment: read at each reload (a provider's `${KEY}` may have been set since).
    public init(
        configPath: String, pluginsDirectory: String?, gateway: Gateway, libraries: PluginLibraryCache,
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        logger: Logger
    ) {
        self.configPath = configPath
        self.pluginsDirectoryOverride = pluginsDirectory
        self.gateway = gateway
        self.libraries = libraries
        self.environment = environment
        self.logger = logger
    }

    /// The plugins folder the routing in force reads.
    public var pluginsDirectory: String {
        pluginsDirectoryOverride
            ?? PatchbayLauncher.resolve(gateway.routes.configuration.plugins.directory, relativeTo: configPath)
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
            let outcome = ReloadOutcome(result: .rejected, trigger: trigger, at: Date(), errors: errors,
                                        plugins: gateway.routes.catalog.plugins.map { "\($0.name) \($0.version)" })
            gateway.metrics.configReloaded(result: outcome.result.rawValue)
            gateway.finishReload(outcome, routes: nil)
            return outcome
        }
        let routes = PatchbayLauncher.routes(configuration: configuration, configPath: configPath,
                                             pluginsDirectory: pluginsDirectoryOverride, libraries: libraries, logger: logger)
        let newRefusals = routes.catalog.refusals.filter { refusal in
            !gateway.routes.catalog.refusals.contains { $0.message == refusal.message }
        }
        gateway.metrics.pluginLoadFailed(count: newRefusals.count)
        let outcome = ReloadOutcome(result: .applied, trigger: trigger, at: Date(), errors: routes.problems.map(\.description),
                                    plugins: routes.catalog.plugins.map { "\($0.name) \($0.version)" })
        gateway.metrics.configReloaded(result: outcome.result.rawValue)
        gateway.finishReload(outcome, routes: routes)
        logger.info("reload applied", metadata: [
            "assistants": .stringConvertible(routes.assistants.count),
            "providers.available": .stringConvertible(routes.providers.filter(\.isConfigured).count),
            "plugins": .string(outcome.plugins.joined(separator: ", ")),
        ])
        return outcome
    }
}
