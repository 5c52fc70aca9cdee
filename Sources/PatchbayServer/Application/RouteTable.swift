import Logging
import PatchbayConfig
import PatchbayPluginHost

/// A provider of providers.yaml, and whether it can take calls.
public struct ProviderRoute: Sendable {
    /// Its name in providers.yaml.
    public let name: String
    /// The plugin it names.
    public let pluginName: String
    /// The plugin, if it loaded.
    public let plugin: LoadedPlugin?
    /// The live instance; nil when the provider is not configured.
    public let instance: ProviderInstance?
    /// Why the provider cannot take calls, for operators (never a secret).
    public let unavailableReason: String?

    /// Whether the provider can take calls.
    public var isConfigured: Bool { instance != nil }
}

/// Where an assistant's requests go.
public struct AssistantRoute: Sendable {
    /// The assistant as configured.
    public let assistant: AssistantSettings
    /// Its provider.
    public let provider: ProviderRoute
}

/// The routing of one configuration: assistants to providers to plugin instances.
///
/// Immutable, so a request keeps the routing it started with while a reload swaps in another.
public struct RouteTable: Sendable {
    /// The configuration it was built from.
    public let configuration: PatchbayConfiguration
    /// The plugins that were available.
    public let catalog: PluginCatalog
    /// Every provider, in file order.
    public let providers: [ProviderRoute]
    /// Every assistant, in file order.
    public let assistants: [AssistantRoute]
    /// Mistakes in providers.yaml that only the plugins could see (an unknown plugin, settings
    /// a plugin refused), located in the file.
    public let problems: [ConfigurationError]

    /// The route of an assistant.
    public func assistant(_ id: String) -> AssistantRoute? {
        assistants.first { $0.assistant.id == id }
    }

    /// The route of the assistant with this id or, failing that, this alias.
    public func assistant(named name: String) -> AssistantRoute? {
        assistant(name) ?? assistants.first { $0.assistant.aliases.contains(name) }
    }

    /// Builds the routing.
    /// - Parameters:
    ///   - createInstances: false to check settings only (`patchbay check`): no instance, no thread, no network.
    public static func build(
        configuration: PatchbayConfiguration,
        catalog: PluginCatalog,
        createInstances: Bool = true,
        logger: Logger
    ) -> RouteTable {
        var problems: [ConfigurationError] = []
        var providers: [ProviderRoute] = []
        let knownPlugins = catalog.plugins.map(\.name).joined(separator: ", ")

        for settings in configuration.providers {
            var providerLogger = logger
            providerLogger[metadataKey: "provider"] = .string(settings.name)
            func unavailable(_ plugin: LoadedPlugin?, _ reason: String) -> ProviderRoute {
                ProviderRoute(name: settings.name, pluginName: settings.plugin, plugin: plugin, instance: nil, unavailableReason: reason)
            }
            guard let plugin = catalog.plugin(named: settings.plugin) else {
                let problem = ConfigurationError(
                    location: settings.pluginLocation,
                    message: "provider '\(settings.name)' uses plugin '\(settings.plugin)'; known plugins: \(knownPlugins.isEmpty ? "(none loaded from \(catalog.directory))" : knownPlugins)"
                )
                problems.append(problem)
                providerLogger.error("provider not available: \(problem)")
                providers.append(unavailable(nil, "plugin '\(settings.plugin)' is not loaded"))
                continue
            }
            guard settings.isConfigured else {
                let variables = settings.missingVariables.joined(separator: ", ")
                providerLogger.warning("provider not configured: \(variables) \(settings.missingVariables.count == 1 ? "is" : "are") not set")
                providers.append(unavailable(plugin, "not configured: \(variables) \(settings.missingVariables.count == 1 ? "is" : "are") not set"))
                continue
            }
            do throws(PluginLoadError) {
                try plugin.checkSettings(provider: settings.name, settingsJSON: settings.settingsJSON)
                guard createInstances else {
                    providers.append(unavailable(plugin, "not started (check only)"))
                    continue
                }
                let instance = try plugin.makeInstance(provider: settings.name, settingsJSON: settings.settingsJSON, logger: logger)
                providers.append(ProviderRoute(name: settings.name, pluginName: plugin.name, plugin: plugin, instance: instance, unavailableReason: nil))
            } catch {
                let problem = ConfigurationError(location: settings.location, message: "provider '\(settings.name)': \(error.message)")
                problems.append(problem)
                providerLogger.error("provider not available: \(problem)")
                providers.append(unavailable(plugin, error.message))
            }
        }

        let assistants = configuration.assistants.compactMap { assistant -> AssistantRoute? in
            // The reader has already refused an assistant whose provider is not in the file.
            guard let provider = providers.first(where: { $0.name == assistant.provider }) else { return nil }
            return AssistantRoute(assistant: assistant, provider: provider)
        }
        return RouteTable(configuration: configuration, catalog: catalog, providers: providers, assistants: assistants, problems: problems)
    }
}
