import Foundation
import Logging
import PatchbayJSON
import PatchbayPluginHost
import PatchbayRateLimit
import PatchbayStorage

/// Starts chat turns: the one place a turn is admitted, recorded and handed to a provider,
/// whichever door it came through.
public struct ChatTurns: Sendable {
    /// Where conversations are kept; without one, every turn is stateless.
    let store: (any ConversationStore)?
    /// Request and token budgets, and the per-caller stream cap.
    let limiter: RateLimiter
    let metrics: PatchbayMetrics
    /// The provider calls in flight, for a graceful shutdown.
    let activeCalls: ActiveCalls
    /// The targets' circuit breakers and the keys' cool-downs.
    let routing: RoutingHealth
    /// Uniformly random 64-bit numbers, for the weighted choice of a target (tests seed it).
    let random: @Sendable () -> UInt64
    /// Replies kept for assistants with a `cache:`.
    let cache: ResponseCache

    /// Creates the service.
    public init(store: (any ConversationStore)?, limiter: RateLimiter, metrics: PatchbayMetrics, activeCalls: ActiveCalls,
                routing: RoutingHealth, random: @escaping @Sendable () -> UInt64, cache: ResponseCache) {
        self.store = store
        self.limiter = limiter
        self.metrics = metrics
        self.activeCalls = activeCalls
        self.routing = routing
        self.random = random
        self.cache = cache
    }

    /// Admits a turn, records the user's message, then calls the assistant's targets until one
    /// gets as far as its first event (see ``firstAnswer(_:route:conversation:finishing:caller:settings:logger:)``),
    /// so that a call failing before any text is an error the door can still answer with its own status.
    /// - Parameter settings: the snapshot the whole request reads.
    /// - Throws: why the turn was refused or failed before its first delta; whatever was taken
    ///   for it has been given back and recorded by then.
    public func start(_ request: TurnRequest, caller: TurnCaller, settings: LiveSettings) async throws(TurnError) -> ChatTurn {
        let route = try resolve(request, caller: caller, routes: settings.routes)
        var logger = caller.logger
        logger[metadataKey: "assistant"] = .string(route.assistant.id)
        caller.requestLog.set("assistant", .string(route.assistant.id))
        let admission = try await admit(request, caller: caller, route: route, settings: settings, logger: logger)

        // The user's message is committed before the provider is called.
        var conversation: ConversationTurn? = nil
        if request.storesConversation, let store {
            do {
                conversation = try await ConversationTurn.begin(store: store, request: request, key: caller.key, assistant: route.assistant)
            } catch let error as TurnError {
                admission.slot?.release()
                throw error
            } catch {
                logger.error("conversation storage failed: \(error)")
                admission.slot?.release()
                throw TurnError(.internalError, "Something went wrong while saving the conversation. Please try again.")
            }
        }
        if let id = conversation?.conversationID { caller.requestLog.set("conversation.id", .string(id)) }
        let lookup = await lookUpCache(request, route: route, conversation: conversation, caller: caller, settings: settings, logger: logger)
        var fill: CacheFill? = nil
        if case .miss(let miss) = lookup { fill = miss }
        if admission.slot != nil { metrics.streamOpened(true) }
        let finishing = TurnFinishing(conversation: conversation, limiter: limiter, checks: admission.checks,
                                      onStoreFailure: settings.configuration.limitStore.onFailure, slot: admission.slot,
                                      metrics: metrics, requestLog: caller.requestLog, logger: logger,
                                      cache: fill.map { (cache, $0) })
        if case .hit(let reply, let report) = lookup {
            return replay(reply, report: report, request: request, route: route, conversation: conversation, finishing: finishing, caller: caller)
        }
        return try await firstAnswer(request, route: route, conversation: conversation, finishing: finishing, caller: caller,
                                     settings: settings, logger: logger)
    }

    /// The assistant's route, if the caller may use it and one of its targets can take a call.
    private func resolve(_ request: TurnRequest, caller: TurnCaller, routes: RouteTable) throws(TurnError) -> AssistantRoute {
        let named = request.assistantIsHint && routes.assistant(named: request.assistant) == nil ? "default" : request.assistant
        guard let route = routes.assistant(named: named) else {
            let known = routes.assistants.map(\.assistant.id).joined(separator: ", ")
            throw TurnError(.notFound, "Unknown assistant '\(named)'. Available assistants: \(known).", field: "assistantType")
        }
        if let allowed = caller.key?.assistants, !allowed.contains(route.assistant.id) {
            throw TurnError(.forbidden, "This API key may not use the assistant '\(route.assistant.id)'.", field: "assistantType")
        }
        let configured = route.targets.filter(\.provider.isConfigured)
        guard !configured.isEmpty else {
            caller.logger.warning("assistant unavailable: \(route.provider.unavailableReason ?? "provider not configured")",
                                  metadata: ["assistant": .string(route.assistant.id), "provider": .string(route.provider.name)])
            throw TurnError(.providerUnavailable, "The assistant '\(route.assistant.id)' is not available right now.")
        }
        // Every target open or cooling down: say so at once, before anything is counted or stored.
        let waits = configured.map(routing.unavailableUntil)
        if !waits.contains(nil), let soonest = waits.compactMap({ $0 }).min() {
            caller.logger.notice("refused: every target's circuit is open or its keys are cooling down",
                                 metadata: ["assistant": .string(route.assistant.id)])
            throw TurnError.everyTargetUnavailable(retryAt: soonest, now: routing.now())
        }
        return route
    }
}

extension TurnError {
    /// Every target of the assistant is skipped for now; `Retry-After` says when the first may take calls again.
    static func everyTargetUnavailable(retryAt: Date, now: Date) -> TurnError {
        let seconds = max(1, Int(retryAt.timeIntervalSince(now).rounded(.up)))
        return TurnError(.providerUnavailable, "The AI provider is unavailable right now. Please try again shortly.", retryAfterSeconds: seconds)
    }
}
