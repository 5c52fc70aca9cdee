import Foundation
import Hummingbird
import Logging
import PatchbayConfig
import PatchbayPluginHost
import PatchbayStorage

/// `GET /health`, `GET /api/providers`, `GET /api/assistants`: what the host is and can do.
/// Nothing here ever shows a provider's settings: they may hold keys.
struct InfoController: Sendable {
    /// For the last reload's outcome.
    let settings: ReloadableSettings
    /// Where conversations are kept, for the counts; nil when none are.
    let store: (any ConversationStore)?
    /// Where rate-limit counters are kept, and whether that store answers.
    let limiter: RateLimiter
    /// The provider calls in flight.
    let activeCalls: ActiveCalls
    /// The targets' circuit breakers and the keys' cool-downs.
    let routing: RoutingHealth
    /// When the server started, for the uptime.
    let startedAt: ContinuousClock.Instant

    func addRoutes(to router: some RouterMethods<PatchbayRequestContext>, api: some RouterMethods<PatchbayRequestContext>) {
        router.get("/health", use: health)
        // 002's and 003's clients look for it under /api; public like /health.
        router.get("/api/health", use: health)
        api.get("providers", use: providers)
        api.get("assistants", use: assistants)
        api.get("models", use: models)
    }

    struct Health: Encodable {
        struct Plugin: Encodable { var name: String; var version: String }
        struct Provider: Encodable {
            var name: String; var plugin: String; var configured: Bool; var reason: String?
            /// One per instance: per key of `api_keys:`, or the one.
            var keys: [RoutingReport.Key]
        }
        /// `healthy`, or `degraded` when some provider cannot answer or the rate-limit store does not.
        var status: String
        /// Always `patchbay` (004's clients read it).
        var service = "patchbay"
        /// When the answer was made (004's clients read it).
        var timestamp: Date
        /// Each provider by name: whether it can take calls (004's `providers_configured`).
        var providersConfigured: [String: Bool]
        var version: String
        var uptimeSeconds: Double
        struct Stats: Encodable { var totalConversations: Int; var totalMessages: Int; var activeConversations: Int }
        var plugins: [Plugin]
        var providers: [Provider]
        var stats: Stats?
        /// The last reload of providers.yaml and the plugins folder; absent before the first.
        var lastReload: ReloadOutcome?
        /// Provider calls in flight now.
        var activeCalls: Int
        /// Every target of every assistant, once each: its circuit breaker.
        var targets: [RoutingReport.Target]
        /// Where rate-limit counters are kept and whether that store answers.
        var limits: LimitStoreHealth.Report

        enum CodingKeys: String, CodingKey {
            case status, service, timestamp, version, uptimeSeconds, plugins, providers, stats, lastReload, activeCalls, targets, limits
            case providersConfigured = "providers_configured"
        }
    }

    @Sendable func health(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let routes = context.settings.routes
        let uptime = startedAt.duration(to: .now)
        let report = RoutingReport(routes: routes, health: routing)
        let limits = await limiter.probe(onStoreFailure: routes.configuration.limitStore.onFailure, logger: context.logger)
        let health = Health(
            // "degraded": up, but some provider cannot answer, a circuit is not closed, a key
            // was rejected or the rate-limit store does not answer; a load balancer may still route here.
            status: routes.providers.allSatisfy(\.isConfigured) && report.isClear && limits.reachable ? "healthy" : "degraded",
            timestamp: Date(),
            providersConfigured: Dictionary(routes.providers.map { ($0.name, $0.isConfigured) }, uniquingKeysWith: { first, _ in first }),
            version: PatchbayVersion.current,
            uptimeSeconds: uptime.seconds,
            plugins: routes.catalog.plugins.map { .init(name: $0.name, version: $0.version) },
            providers: routes.providers.map {
                .init(name: $0.name, plugin: $0.pluginName, configured: $0.isConfigured, reason: $0.unavailableReason,
                      keys: report.keys[$0.name] ?? [])
            },
            stats: try await statistics(logger: context.logger),
            lastReload: settings.lastReload,
            activeCalls: activeCalls.count,
            targets: report.targets,
            limits: limits
        )
        return try JSONResponse.make(health)
    }

    /// Conversation counts; "active" means a turn within the last hour (the default conversation timeout).
    private func statistics(logger: Logger) async throws -> Health.Stats? {
        guard let store else { return nil }
        do {
            let since = Date().addingTimeInterval(-TimeInterval(AssistantSettings.defaultConversationTimeout))
            let stats = try await store.statistics(activeSince: since)
            return .init(totalConversations: stats.totalConversations, totalMessages: stats.totalMessages, activeConversations: stats.activeConversations)
        } catch {
            logger.error("health: storage statistics failed: \(error)")
            throw APIError(.internalError, "Storage is not answering.")
        }
    }

    struct Providers: Encodable {
        struct Plugin: Encodable {
            var name: String; var version: String; var abi: String
            var capabilities: [String]; var models: [String]; var description: String?
        }
        struct Provider: Encodable { var name: String; var plugin: String; var configured: Bool }
        var plugins: [Plugin]
        var providers: [Provider]
    }

    @Sendable func providers(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let routes = context.settings.routes
        return try JSONResponse.make(Providers(
            plugins: routes.catalog.plugins.map {
                .init(name: $0.name, version: $0.version, abi: "\($0.abiMajor).\($0.abiMinor)",
                      capabilities: $0.manifest.capabilities, models: $0.manifest.models, description: $0.manifest.description)
            },
            providers: routes.providers.map { .init(name: $0.name, plugin: $0.pluginName, configured: $0.isConfigured) }
        ))
    }

    struct Assistants: Encodable {
        struct Assistant: Encodable {
            var id: String; var name: String; var description: String
            var provider: String; var model: String; var available: Bool
        }
        var assistants: [Assistant]
    }

    @Sendable func assistants(request: Request, context: PatchbayRequestContext) async throws -> Response {
        try JSONResponse.make(Assistants(assistants: context.settings.routes.assistants.map {
            .init(id: $0.assistant.id, name: $0.assistant.name, description: $0.assistant.description,
                  provider: $0.provider.name, model: $0.assistant.model, available: $0.isAvailable)
        }))
    }

    struct Models: Encodable {
        struct Model: Encodable {
            var id: String; var name: String; var description: String
            var provider: String; var model: String; var available: Bool
        }
        /// The assistants the caller may use, in file order.
        var models: [Model]
        /// The one a client should preselect: `default` if the caller may use it, else the first available.
        var `default`: String?
    }

    /// `GET /api/models`: what a chat page's model dropdown needs — the assistants this caller's
    /// key may use, with name, provider, model and whether each can answer now.
    @Sendable func models(request: Request, context: PatchbayRequestContext) async throws -> Response {
        let allowed = context.settings.routes.assistants.filter { context.apiKey?.assistants?.contains($0.assistant.id) ?? true }
        let models = allowed.map {
            Models.Model(id: $0.assistant.id, name: $0.assistant.name, description: $0.assistant.description,
                         provider: $0.provider.name, model: $0.assistant.model, available: $0.isAvailable)
        }
        let preselected = models.first { $0.id == "default" && $0.available } ?? models.first(where: \.available)
        return try JSONResponse.make(Models(models: models, default: preselected?.id))
    }
}
