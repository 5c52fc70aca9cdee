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
    /// One live instance per API key (one in all for a provider without `api_keys:`); empty
    /// when the provider is not configured.
    public let keys: [ProviderKey]
    /// Why the provider cannot take calls, for operators (never a secret).
    public let unavailableReason: String?
    /// When its targets stop taking calls after failures.
    public let circuitBreaker: CircuitBreakerSettings
    /// Its settings' fingerprint (keys of `api_keys:` aside): a target whose provider settings
    /// changed in a reload starts with a closed breaker.
    let settingsDigest: Int
    /// Spreads calls across the keys.
    let rotation: KeyRotation

    init(name: String, pluginName: String, plugin: LoadedPlugin?, keys: [ProviderKey] = [], unavailableReason: String?,
         circuitBreaker: CircuitBreakerSettings = CircuitBreakerSettings(), settingsDigest: Int = 0) {
        self.name = name
        self.pluginName = pluginName
        self.plugin = plugin
        self.keys = keys
        self.unavailableReason = unavailableReason
        self.circuitBreaker = circuitBreaker
        self.settingsDigest = settingsDigest
        self.rotation = KeyRotation()
    }

    /// The instance of its first key; nil when the provider is not configured.
    public var instance: ProviderInstance? { keys.first?.instance }

    /// Whether the provider can take calls.
    public var isConfigured: Bool { !keys.isEmpty }
}

/// One API key of a provider, and the plugin instance made with it.
public struct ProviderKey: Sendable {
    /// Its place in the provider's `api_keys:` (0 for a provider without).
    public let index: Int
    /// Who it is across reloads (never the key itself).
    let id: KeyID
    /// The instance that calls with it.
    public let instance: ProviderInstance
}

/// One target of an assistant: where it goes, and who it is across reloads.
public struct TargetRoute: Sendable {
    /// The target as configured.
    public let target: AssistantTarget
    /// Its provider.
    public let provider: ProviderRoute
    /// Who it is across reloads, for its circuit breaker.
    let id: TargetID
}

/// Where an assistant's requests go. A class, as ``LiveSettings`` is: a turn passes it along its
/// whole start, and as a value it was over 500 bytes in every frame.
public final class AssistantRoute: Sendable {
    /// The assistant as configured.
    public let assistant: AssistantSettings
    /// The provider of its first primary target (with `provider:`/`model:`, its only one).
    public let provider: ProviderRoute
    /// Every target, in file order.
    public let targets: [TargetRoute]

    init(assistant: AssistantSettings, provider: ProviderRoute, targets: [TargetRoute]) {
        self.assistant = assistant
        self.provider = provider
        self.targets = targets
    }

    /// Whether some target's provider can take calls.
    public var isAvailable: Bool { targets.contains { $0.provider.isConfigured } }
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
                ProviderRoute(name: settings.name, pluginName: settings.plugin, plugin: plugin, unavailableReason: reason)
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
            if !settings.unsetAPIKeys.isEmpty {
                providerLogger.warning("api_keys left out: \(settings.unsetAPIKeys.joined(separator: ", ")) not set")
            }
            do throws(PluginLoadError) {
                providers.append(try configured(settings, plugin: plugin, createInstances: createInstances, logger: logger))
            } catch {
                let problem = ConfigurationError(location: settings.location, message: "provider '\(settings.name)': \(error.message)")
                problems.append(problem)
                providerLogger.error("provider not available: \(problem)")
                providers.append(unavailable(plugin, error.message))
            }
        }

        let assistants = configuration.assistants.compactMap { assistant -> AssistantRoute? in
            // The reader has already refused an assistant whose provider is not in the file.
            let targets = assistant.targets.compactMap { target -> TargetRoute? in
                guard let provider = providers.first(where: { $0.name == target.provider }) else { return nil }
                return TargetRoute(target: target, provider: provider,
                                   id: TargetID(provider: provider.name, model: target.model, settingsDigest: provider.settingsDigest))
            }
            guard targets.count == assistant.targets.count, let provider = providers.first(where: { $0.name == assistant.provider }) else { return nil }
            return AssistantRoute(assistant: assistant, provider: provider, targets: targets)
        }
        problems += embedderProblems(configuration.assistants, providers: providers, logger: logger)
        return RouteTable(configuration: configuration, catalog: catalog, providers: providers, assistants: assistants, problems: problems)
    }

    /// A semantic cache whose embedder's plugin cannot embed (it predates ABI 1.3, or does not
    /// offer it) is a mistake in the file: the assistant still answers, with its exact cache only.
    private static func embedderProblems(_ assistants: [AssistantSettings], providers: [ProviderRoute], logger: Logger) -> [ConfigurationError] {
        assistants.compactMap { assistant in
            guard let semantic = assistant.cache?.semantic,
                  let provider = providers.first(where: { $0.name == semantic.embedder }),
                  let plugin = provider.plugin, !plugin.canEmbed
            else { return nil }
            let problem = ConfigurationError(
                location: semantic.location,
                message: "assistant '\(assistant.id)': cache.semantic.embedder '\(semantic.embedder)' uses plugin '\(plugin.name)', "
                    + "which cannot embed (it needs ABI 1.3 embed_start and the \"embeddings\" capability); the semantic cache is off"
            )
            logger.error("semantic cache not available: \(problem)", metadata: ["assistant": .string(assistant.id)])
            return problem
        }
    }

    /// The route of a provider whose plugin is loaded and whose variables are set: its settings
    /// checked by the plugin and, unless only checking, one instance per key (the key is part of
    /// the settings an instance is made from).
    private static func configured(
        _ settings: ProviderSettings, plugin: LoadedPlugin, createInstances: Bool, logger: Logger
    ) throws(PluginLoadError) -> ProviderRoute {
        let instanceSettings = settings.apiKeys.isEmpty ? [settings.settingsJSON] : settings.apiKeys.map(settings.settingsJSON(apiKey:))
        for json in instanceSettings { try plugin.checkSettings(provider: settings.name, settingsJSON: json) }
        guard createInstances else {
            return ProviderRoute(name: settings.name, pluginName: plugin.name, plugin: plugin, unavailableReason: "not started (check only)")
        }
        let keys = try instanceSettings.enumerated().map { index, json throws(PluginLoadError) in
            ProviderKey(index: index, id: KeyID(provider: settings.name, secret: json),
                        instance: try plugin.makeInstance(provider: settings.name, settingsJSON: json, logger: logger))
        }
        return ProviderRoute(name: settings.name, pluginName: plugin.name, plugin: plugin, keys: keys, unavailableReason: nil,
                             circuitBreaker: settings.circuitBreaker, settingsDigest: Fingerprint.of(settings.settingsJSON))
    }
}
